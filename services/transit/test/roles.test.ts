// TRANSIT_ROLE: a gate instance answers gates and settles nothing; a settlement instance on the same database
// settles what the gate recorded and answers no gate. Together they do what one TRANSIT_ROLE=all instance does.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { status } from '@grpc/grpc-js';
import { TransitServiceService } from '@citypass/proto/transit/v1/transit';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { createLogger } from '@citypass/platform/log';
import { startTransit, type RunningTransit } from '../src/server.ts';
import { minute, gateTaps } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
let settlement: RunningTransit;
before(async () => {
  h = await startTransitHarness({ TRANSIT_ROLE: 'gate' });
  settlement = await startTransit(
    { ...h.config, TRANSIT_ROLE: 'settlement', TRANSIT_GRPC_PORT: 0 },
    createLogger('transit-settlement-test', 'error'),
    { now: () => h.now() },
  );
});
after(async () => {
  await settlement.stop();
  await h.stop();
});
const { tap } = gateTaps(() => h);

describe('transit roles', () => {
  test('roles - a gate instance records the journey, a settlement instance charges it, once', async () => {
    const phone = await h.resident(2_000n);
    assert.equal((await tap(phone, 'central-g1', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 10 * minute;
    assert.equal((await tap(phone, 'market-g2', 'out')).decision, 'OPEN');
    await assert.rejects(h.transit.settler.runOnce(), /does not settle \(TRANSIT_ROLE=gate\)/);
    assert.equal(await h.balance(phone), 2_000n);
    await settlement.settler.runOnce();
    assert.equal(await h.balance(phone), 2_000n - 350n, 'zone 1 -> 2 is 3.50, charged by the settlement instance');
    await settlement.settler.runOnce();
    assert.equal(await h.balance(phone), 1_650n, 'settling again charges nothing more');
  });

  test('roles - a settlement instance serves no TransitService calls', async () => {
    const client = promiseClient(TransitServiceService, `127.0.0.1:${settlement.grpcPort}`, {
      metadata: () => bearer(h.gateToken),
    });
    try {
      await assert.rejects(
        client.tap({ presentation: 'x', gateId: 'central-g1', direction: 'in', tappedAt: undefined, tapId: '' }),
        (error: { code?: number }) => error.code === status.UNIMPLEMENTED,
      );
    } finally {
      client.close();
    }
  });
});
