// watchRevocations against a real nats-server with JetStream.
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { Kvm } from '@nats-io/kv';
import { connect } from '@nats-io/transport-node';
import { testNats, uniqueName } from '@citypass/platform/testing';
import { RevocationSet, watchRevocations } from '../src/index.ts';

const nats = await connect({ servers: (await testNats()).url });
after(() => nats.close());

async function eventually(condition: () => boolean, what: string): Promise<void> {
  const deadlineMs = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadlineMs) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

test('revocation watch - loads revoked ids, then follows puts, deletes and purges', async () => {
  const kv = await new Kvm(nats).create(uniqueName('revocations'), { history: 1 });
  await kv.put('c-revoked', '{}');
  await kv.put('c-lifted', '{}');
  await kv.delete('c-lifted');
  const set = new RevocationSet(['c-stale']);
  const watch = await watchRevocations(kv, set);
  assert.deepEqual([...set.ids()].sort(), ['c-revoked']);

  await kv.put('c-new', '{}');
  await eventually(() => set.isRevoked('c-new'), 'a put to revoke');
  await kv.delete('c-revoked');
  await eventually(() => !set.isRevoked('c-revoked'), 'a delete to lift the revocation');
  await kv.put('c-purged', '{}');
  await eventually(() => set.isRevoked('c-purged'), 'a second put');
  await kv.purge('c-purged');
  await eventually(() => !set.isRevoked('c-purged'), 'a purge to lift the revocation');

  await watch.stop();
  assert.equal(await watch.closed, undefined);
  await kv.put('c-after-stop', '{}');
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.equal(set.isRevoked('c-after-stop'), false);
  await kv.destroy();
});

test('revocation watch - an empty bucket starts empty and still follows updates', async () => {
  const kv = await new Kvm(nats).create(uniqueName('revocations'));
  const set = new RevocationSet();
  const watch = await watchRevocations(kv, set);
  assert.equal(set.size, 0);
  await kv.put('c-1', '');
  await eventually(() => set.isRevoked('c-1'), 'the first revocation');
  await watch.stop();
  await kv.destroy();
});
