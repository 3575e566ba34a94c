import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { walletReasons } from '@citypass/contracts';
import { ledgerReasons } from '../domain/ledger_reasons.ts';

const ledgerDir = new URL('./ledger/', import.meta.url);

test('ledger reasons - every reason the ledger table maps is in the WalletErrorReason catalogue', () => {
  assert.deepEqual(
    Object.keys(ledgerReasons).filter((reason) => !Object.hasOwn(walletReasons, reason)),
    [],
  );
});

test('ledger reasons - every exception the ledger functions raise is in the ledger table, so none becomes INTERNAL', () => {
  const raised = new Set<string>();
  for (const file of readdirSync(ledgerDir).filter((name) => name.endsWith('.sql'))) {
    for (const match of readFileSync(new URL(file, ledgerDir), 'utf8').matchAll(/RAISE EXCEPTION '([A-Z_]+)'/g))
      raised.add(match[1] ?? '');
  }
  assert.ok(raised.size > 0);
  assert.deepEqual(
    [...raised].filter((reason) => !Object.hasOwn(ledgerReasons, reason)),
    [],
  );
});
