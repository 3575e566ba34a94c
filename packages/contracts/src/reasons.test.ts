import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HealthBillingErrorReason } from '@citypass/proto/health_billing/v1/errors';
import { IdentityErrorReason } from '@citypass/proto/identity/v1/errors';
import { TransitErrorReason } from '@citypass/proto/transit/v1/errors';
import { WalletErrorReason } from '@citypass/proto/wallet/v1/errors';
import { healthBillingReasons, identityReasons, transitReasons, walletReasons } from './reasons.ts';

const reasonsOf = (protoEnum: Readonly<Record<string, number>>, prefix: string): string[] =>
  Object.keys(protoEnum)
    .filter((name) => name.startsWith(prefix) && !name.endsWith('_UNSPECIFIED'))
    .map((name) => name.slice(prefix.length))
    .sort();

test('reasons - each catalogue holds exactly its enum values, without the prefix', () => {
  assert.deepEqual(Object.keys(walletReasons).sort(), reasonsOf(WalletErrorReason, 'WALLET_ERROR_REASON_'));
  assert.deepEqual(Object.keys(transitReasons).sort(), reasonsOf(TransitErrorReason, 'TRANSIT_ERROR_REASON_'));
  assert.deepEqual(Object.keys(identityReasons).sort(), reasonsOf(IdentityErrorReason, 'IDENTITY_ERROR_REASON_'));
  assert.deepEqual(
    Object.keys(healthBillingReasons).sort(),
    reasonsOf(HealthBillingErrorReason, 'HEALTH_BILLING_ERROR_REASON_'),
  );
});

test('reasons - a catalogue entry is the reason string sent on the wire', () => {
  assert.equal(walletReasons.INSUFFICIENT_FUNDS, 'INSUFFICIENT_FUNDS');
  assert.equal(transitReasons.DEBT_OUTSTANDING, 'DEBT_OUTSTANDING');
  assert.equal(identityReasons.RESIDENT_NOT_FOUND, 'RESIDENT_NOT_FOUND');
  for (const catalogue of [walletReasons, transitReasons, identityReasons, healthBillingReasons]) {
    for (const [key, value] of Object.entries(catalogue)) assert.match(value, /^[A-Z0-9_]{1,64}$/, key);
  }
});
