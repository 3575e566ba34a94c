// Revocation propagation: from identity's credential call for a new phone returning (which revokes the old
// credential) to the first DENY CREDENTIAL_REVOKED for the old phone at a connected transit Tap, and at an offline
// GateRuntime that follows the credential status bucket over NATS. Both are probed at once, back to back, each
// probe with a fresh presentation of the old credential, so a figure is the propagation plus one probe at most
// (a Tap call, or a decision plus the journal's fdatasync). The design goal is within 1 s.
import assert from 'node:assert/strict';
import { createPresentation } from '@citypass/credential';
import type { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import type { PromiseClient } from '@citypass/platform/grpc';
import type { GateRuntime } from '@citypass/gate';
import { ResidentApp } from '@citypass/phone';

export type PropagationPhone = {
  readonly app: ResidentApp;
  readonly credential: string;
  readonly residentId: string;
  readonly password: string;
};

export type PropagationTargets = {
  readonly gates: PromiseClient<typeof TransitServiceService>;
  readonly onlineGateId: string;
  /** Started, cut off from transit (setOnline(false)), following the buckets over NATS. */
  readonly offlineGate: GateRuntime;
  readonly timeoutMs: number;
  readonly issuer: string;
};

export type Propagation = { readonly onlineMs: number; readonly offlineMs: number };

/** One replacement per phone, one after another; NaN where the DENY did not come within the timeout. */
export async function measurePropagation(
  phones: readonly PropagationPhone[],
  targets: PropagationTargets,
): Promise<Propagation[]> {
  const results: Propagation[] = [];
  for (const phone of phones) results.push(await replaceAndProbe(phone, targets));
  return results;
}

async function replaceAndProbe(phone: PropagationPhone, targets: PropagationTargets): Promise<Propagation> {
  let counter = 1;
  const present = (): string =>
    createPresentation({
      credential: phone.credential,
      devicePrivateKey: phone.app.deviceKey.privateKey,
      audience: 'transit',
      counter: counter++,
      nowMs: Date.now(),
    });
  const onlineReason = async (): Promise<string> =>
    (
      await targets.gates.tap({
        presentation: present(),
        gateId: targets.onlineGateId,
        direction: 'in',
        tappedAt: undefined,
        tapId: '',
      })
    ).reason;
  const offlineReason = async (): Promise<string> => (await targets.offlineGate.tap(present(), 'in')).reason;
  assert.equal(await onlineReason(), '', 'the old phone opens the online gate before');
  assert.equal(await offlineReason(), '', 'and the offline gate');
  const newPhone = new ResidentApp(targets.issuer);
  const token = await newPhone.login(phone.residentId, phone.password);
  const issued = await newPhone.requestCredential(token);
  const returnedAt = performance.now();
  assert.equal(issued.status, 200, 'the new phone');
  const [onlineMs, offlineMs] = await Promise.all([
    firstRevokedAfter(onlineReason, returnedAt, targets.timeoutMs),
    firstRevokedAfter(offlineReason, returnedAt, targets.timeoutMs),
  ]);
  return { onlineMs, offlineMs };
}

async function firstRevokedAfter(probe: () => Promise<string>, sinceMs: number, timeoutMs: number): Promise<number> {
  while (performance.now() - sinceMs < timeoutMs) {
    if ((await probe()) === 'CREDENTIAL_REVOKED') return performance.now() - sinceMs;
  }
  return Number.NaN;
}
