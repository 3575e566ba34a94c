// An operator suspends a gate fleet's client through identity: transit refuses the token the fleet already holds
// (taps, uploads, configuration) with SERVICE_SUSPENDED and records nothing, until the fleet is resumed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { outcomeOf } from '@citypass/platform/testing';
import { waitFor } from '../../wallet/test/harness.ts';
import { gateTaps } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});
const { tap, tapCount } = gateTaps(() => h);
const suspended = 'permission_denied:SERVICE_SUSPENDED';
const configOutcome = (): Promise<string> => outcomeOf(h.gates.getGateConfig({ gateId: 'central-g1' }));

test('gate suspension - a suspended fleet is refused taps, uploads and configuration with its old token until resumed', async () => {
  const phone = await h.resident();
  assert.equal(await configOutcome(), 'OK');
  await h.wallet.identity.operator.suspendService({ clientId: 'gates', reason: 'gates tampered with' });
  await waitFor(async () => (await configOutcome()) === suspended, 'the suspension reaches transit');

  assert.equal(await outcomeOf(tap(phone, 'central-g1', 'in')), suspended);
  const upload = h.gates.uploadTaps({
    gateId: 'central-g1',
    taps: [
      {
        tapId: randomUUID(),
        presentation: h.tapPresentationAt(phone, Date.now()),
        direction: 'in',
        tappedAt: new Date(),
        decision: 'OPEN',
        reason: '',
      },
    ],
  });
  assert.equal(await outcomeOf(upload), suspended);
  assert.equal(await tapCount(phone.residentId), 0, 'nothing recorded while suspended');

  await h.wallet.identity.operator.resumeService({ clientId: 'gates', reason: 'gates inspected' });
  await waitFor(async () => (await configOutcome()) === 'OK', 'the resumption reaches transit');
  assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
  assert.equal(await tapCount(phone.residentId), 1);
});
