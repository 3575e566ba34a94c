// Transit decides like a gate: while it cannot follow its buckets (the broker is down) it keeps deciding taps on
// the last known revocations and deny list, and its gRPC health for TransitService is NOT_SERVING (readiness
// fails, so gates decide offline); once the broker is back it follows again and says SERVING.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { HealthCheckResponse_ServingStatus, HealthService } from '@citypass/proto/grpc/health/v1/health';
import { promiseClient } from '@citypass/platform/grpc';
import { transitServiceName } from '../src/grpc/transit_service.ts';
import { waitFor } from '../../wallet/test/harness.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

test('bucket outage - transit keeps deciding on the last known lists and reports NOT_SERVING until it follows again', {
  timeout: 60_000,
}, async () => {
  const phone = await h.resident();
  const health = promiseClient(HealthService, h.address);
  const serving = async (): Promise<boolean> =>
    (await health.check({ service: transitServiceName })).status === HealthCheckResponse_ServingStatus.SERVING;
  const tap = (gateId: string) =>
    h.gates.tap({
      presentation: h.tapPresentation(phone),
      gateId,
      direction: 'in',
      tappedAt: undefined,
      tapId: randomUUID(),
    });
  try {
    assert.equal(await serving(), true);
    await h.wallet.identity.nats.stop();
    await waitFor(async () => !(await serving()), 'health NOT_SERVING during the outage', 10_000);
    assert.equal((await tap('central-g1')).decision, 'OPEN', 'a tap is still decided, on the last known lists');
    await h.wallet.identity.nats.restart();
    await waitFor(serving, 'health SERVING once both buckets are followed again', 30_000);
  } finally {
    health.close();
  }
});
