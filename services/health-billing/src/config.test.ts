// Health billing's environment: the clinic peer limits default to the risk package's, are set by
// HEALTH_BILLING_PEER_*, and a value out of the risk package's bounds stops the service at boot with one line
// naming the variable.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError } from '@citypass/platform/config';
import { defaultPeerLimits } from '@citypass/risk';
import { loadHealthBillingConfig, peerLimitsOf } from './config.ts';

const required = {
  HEALTH_BILLING_CLIENT_SECRET: 's'.repeat(16),
  HEALTH_BILLING_DATA_KEYS: `k1:${'A'.repeat(43)}`,
};

test('config - the peer limits default to the risk package and are set by HEALTH_BILLING_PEER_*', () => {
  assert.deepEqual(peerLimitsOf(loadHealthBillingConfig(required)), defaultPeerLimits);
  const set = loadHealthBillingConfig({
    ...required,
    HEALTH_BILLING_PEER_WINDOW_DAYS: '14',
    HEALTH_BILLING_PEER_MINIMUM_PEERS: '3',
    HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES: '50',
    HEALTH_BILLING_PEER_SPREAD_MULTIPLE: '4.5',
    HEALTH_BILLING_PEER_MINIMUM_RATIO: '2.5',
  });
  assert.deepEqual(peerLimitsOf(set), {
    windowDays: 14,
    minimumPeers: 3,
    minimumClinicLines: 50,
    spreadMultiple: 4.5,
    minimumRatio: 2.5,
  });
});

test('config - a peer limit out of bounds is refused, one line per variable, every one at once', () => {
  const refused = (values: Record<string, string>): readonly string[] => {
    try {
      loadHealthBillingConfig({ ...required, ...values });
    } catch (error) {
      assert.ok(error instanceof ConfigError);
      return error.problems;
    }
    return assert.fail('expected a ConfigError');
  };
  assert.deepEqual(refused({ HEALTH_BILLING_PEER_WINDOW_DAYS: '0', HEALTH_BILLING_PEER_MINIMUM_RATIO: '0.5' }), [
    'HEALTH_BILLING_PEER_WINDOW_DAYS: windowDays must be an integer from 1 to 366 (got "0")',
    'HEALTH_BILLING_PEER_MINIMUM_RATIO: minimumRatio must be from 1 to 100 (got "0.5")',
  ]);
  // The edges: the last value allowed and the first refused.
  assert.equal(
    peerLimitsOf(loadHealthBillingConfig({ ...required, HEALTH_BILLING_PEER_MINIMUM_PEERS: '2' })).minimumPeers,
    2,
  );
  assert.deepEqual(refused({ HEALTH_BILLING_PEER_MINIMUM_PEERS: '1' }), [
    'HEALTH_BILLING_PEER_MINIMUM_PEERS: minimumPeers must be an integer from 2 to 10000 (got "1")',
  ]);
  assert.deepEqual(refused({ HEALTH_BILLING_PEER_SPREAD_MULTIPLE: 'five' }), [
    'HEALTH_BILLING_PEER_SPREAD_MULTIPLE: must be a decimal number (got "five")',
  ]);
  assert.deepEqual(refused({ HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES: '2.5' }), [
    'HEALTH_BILLING_PEER_MINIMUM_CLINIC_LINES: must be an integer (got "2.5")',
  ]);
});

test('config - a bad peer limit stops the service before it starts, exit 78, saying which and why', () => {
  const started = spawnSync(process.execPath, [join(import.meta.dirname, 'main.ts')], {
    env: { PATH: process.env.PATH ?? '', ...required, HEALTH_BILLING_PEER_WINDOW_DAYS: '400' },
    encoding: 'utf8',
    timeout: 20_000,
  });
  assert.equal(started.status, 78, started.stderr);
  assert.equal(
    started.stderr,
    'health-billing: invalid configuration:\n' +
      '  HEALTH_BILLING_PEER_WINDOW_DAYS: windowDays must be an integer from 1 to 366 (got "400")\n',
  );
});
