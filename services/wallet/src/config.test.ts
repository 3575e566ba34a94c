import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError } from '@citypass/platform/config';
import { loadWalletConfig, riskBlockList } from './config.ts';

test('config - the risk block list: resident, device and merchant entries; every malformed one reported', () => {
  assert.deepEqual(riskBlockList(' resident:7d0c, device:abc:def ,merchant:shop,'), [
    { kind: 'residents', id: '7d0c' },
    { kind: 'devices', id: 'abc:def' },
    { kind: 'merchants', id: 'shop' },
  ]);
  assert.deepEqual(riskBlockList(''), []);
  assert.throws(
    () => loadWalletConfig({ WALLET_RISK: 'maybe' }),
    (error: unknown) =>
      error instanceof ConfigError && error.message.includes('WALLET_RISK: must be one of on, observe, off'),
  );
  assert.throws(
    () => loadWalletConfig({ WALLET_RISK_BLOCK_LIST: 'shop:x,merchant:,resident:1' }),
    (error: unknown) =>
      error instanceof ConfigError &&
      error.message.includes('"shop:x"') &&
      error.message.includes('"merchant:"') &&
      !error.message.includes('"resident:1"'),
  );
});
