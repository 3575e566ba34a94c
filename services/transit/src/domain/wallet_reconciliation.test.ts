import assert from 'node:assert/strict';
import { test } from 'node:test';
import { minorUnits } from './money.ts';
import { journeyMismatch, type JourneyBooks, type WalletHoldFigures } from './wallet_reconciliation.ts';

const first = '00000000-0000-4000-8000-000000000001';
const second = '00000000-0000-4000-8000-000000000002';
const books = (chargedMinor: bigint, writtenOffMinor: bigint, holdIds: string[]): JourneyBooks => ({
  residentId: '00000000-0000-4000-8000-0000000000aa',
  journeyId: 'tap-1',
  serviceDate: '2025-03-04',
  currency: 'EUR',
  chargedMinor: minorUnits(chargedMinor),
  writtenOffMinor,
  settling: false,
  holdIds,
});
const wallet = (...holds: [string, bigint, bigint, string?][]): Map<string, WalletHoldFigures> =>
  new Map(
    holds.map(([holdId, capturedMinor, refundedMinor, currency = 'EUR']) => [
      holdId,
      { holdId, capturedMinor, refundedMinor, currency },
    ]),
  );

test('wallet reconciliation - a charge, its correction and a written-off part agree with the holds', () => {
  assert.equal(journeyMismatch(books(350n, 0n, [first]), wallet([first, 800n, 450n])), undefined);
  assert.equal(journeyMismatch(books(0n, 0n, []), wallet()), undefined, 'a capped journey: nothing charged');
  assert.equal(journeyMismatch(books(290n, 290n, []), wallet()), undefined, 'written off: no money moved');
  assert.equal(
    journeyMismatch(books(400n, 100n, [first, second]), wallet([first, 250n, 0n], [second, 50n, 0n])),
    undefined,
  );
});

test('wallet reconciliation - one minor unit either way is a mismatch with both figures', () => {
  const more = journeyMismatch(books(350n, 0n, [first]), wallet([first, 800n, 449n]));
  assert.deepEqual(
    [more?.transitNetMinor, more?.walletNetMinor, more?.holdIds, more?.missingHoldIds],
    [350n, 351n, [first], []],
  );
  const less = journeyMismatch(books(350n, 0n, [first]), wallet([first, 800n, 451n]));
  assert.deepEqual([less?.transitNetMinor, less?.walletNetMinor], [350n, 349n]);
  const writtenOff = journeyMismatch(books(290n, 0n, []), wallet());
  assert.deepEqual([writtenOff?.transitNetMinor, writtenOff?.walletNetMinor], [290n, 0n]);
});

test('wallet reconciliation - a hold the wallet does not have, or in another currency, is named and not counted', () => {
  const missing = journeyMismatch(books(350n, 0n, [first, second]), wallet([first, 350n, 0n]));
  assert.deepEqual(
    [missing?.transitNetMinor, missing?.walletNetMinor, missing?.missingHoldIds, missing?.otherCurrencyHoldIds],
    [350n, 350n, [second], []],
  );
  const foreign = journeyMismatch(books(350n, 0n, [first]), wallet([first, 350n, 0n, 'USD']));
  assert.deepEqual([foreign?.walletNetMinor, foreign?.otherCurrencyHoldIds], [0n, [first]]);
});
