// An operator suspends a clinic, or an insurer, through identity: health billing refuses the token it still holds
// (SERVICE_SUSPENDED), reads of bills included, but a suspended clinic may still void a bill, which only releases
// what is held on the patient's and the insurer's accounts. Resumed, it is served again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { BillStatus, ListClaimsRequest } from '@citypass/proto/health_billing/v1/health_billing';
import { outcomeOf } from '@citypass/platform/testing';
import { waitFor } from '../../wallet/test/harness.ts';
import { startHealthBillingHarness, type Clinic, type HealthBillingHarness } from './harness.ts';
import { finalizedBill, key, openBill, planId, putVisitCatalogue } from './visit_setup.ts';

let h: HealthBillingHarness;
let hillside: Clinic;
before(async () => {
  h = await startHealthBillingHarness();
  hillside = await h.addClinic('hillside-clinic');
  await putVisitCatalogue(h, [hillside.name]);
});
after(async () => {
  await h.stop();
});

const suspended = 'permission_denied:SERVICE_SUSPENDED';

test('service suspension - a suspended clinic is refused with its old token, may still void a bill, and is served once resumed', async () => {
  const patient = await h.patient(planId);
  await h.topUp(patient, 100_000n);
  const awaiting = await finalizedBill(hillside, patient);
  const lines = [{ code: 'GP-101', unitPriceMinor: 5_000n }] as const;
  const billOutcome = (): Promise<string> => outcomeOf(hillside.billing.getBill({ billId: awaiting.billId }));

  await h.wallet.identity.operator.suspendService({ clientId: hillside.name, reason: 'licence under review' });
  await waitFor(async () => (await billOutcome()) === suspended, 'the suspension reaches health billing');
  assert.equal(await outcomeOf(openBill(hillside, patient, lines)), suspended);
  assert.equal(
    await outcomeOf(hillside.billing.finalizeBill({ idempotencyKey: key(), billId: awaiting.billId })),
    suspended,
  );
  const { bill: voided } = await hillside.billing.voidBill({
    idempotencyKey: key(),
    billId: awaiting.billId,
    reason: 'clinic suspended',
  });
  assert.equal(voided?.status, BillStatus.BILL_STATUS_VOIDED);
  // Another clinic is not suspended: its call gets past the check, to the ownership rule behind it.
  assert.equal(await outcomeOf(h.clinic.billing.getBill({ billId: awaiting.billId })), 'not_found:BILL_NOT_FOUND');

  await h.wallet.identity.operator.resumeService({ clientId: hillside.name, reason: 'licence confirmed' });
  await waitFor(async () => (await billOutcome()) === 'OK', 'the resumption reaches health billing');
  assert.equal((await openBill(hillside, patient, lines)).status, BillStatus.BILL_STATUS_OPEN);
});

test('service suspension - a suspended insurer cannot read its claims until resumed', async () => {
  const claims = (): Promise<string> => outcomeOf(h.insurerBilling.listClaims(ListClaimsRequest.fromPartial({})));
  assert.equal(await claims(), 'OK');
  await h.wallet.identity.operator.suspendService({ clientId: h.insurer, reason: 'solvency check' });
  await waitFor(async () => (await claims()) === suspended, 'the suspension reaches health billing');
  await h.wallet.identity.operator.resumeService({ clientId: h.insurer, reason: 'solvent' });
  await waitFor(async () => (await claims()) === 'OK', 'the resumption reaches health billing');
});
