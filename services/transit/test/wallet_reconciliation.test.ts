// The operator's reconciliation of transit's journeys with the wallet's holds, run as the operator runs it (the
// command, as its own process, with transit's own client and its read: scope) against a real identity, wallet,
// transit, PostgreSQL and NATS: settled books (a plain journey, a capped day, a correction refunded, a fare written
// off) agree to the minor unit; then books broken on purpose, on either side, are reported exactly.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { WalletServiceService } from '@citypass/proto/wallet/v1/wallet';
import { bearer, promiseClient } from '@citypass/platform/grpc';
import { waitFor, type Phone } from '../../wallet/test/harness.ts';
import { gateTaps, minute } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

const day = 24 * 60 * minute;
const { tap: tapAt } = gateTaps(() => h);

/** A tap the gate opens for. */
async function tap(phone: Phone, gateId: string, direction: 'in' | 'out'): Promise<void> {
  assert.equal((await tapAt(phone, gateId, direction)).decision, 'OPEN');
}

/** A journey of its own (20 minutes after the last one) and its settlement. */
async function ride(phone: Phone, from: string, to: string): Promise<void> {
  h.clockOffsetMs += 20 * minute;
  await tap(phone, from, 'in');
  h.clockOffsetMs += 15 * minute;
  await tap(phone, to, 'out');
  await h.settle();
}

/** The resident's charged journeys, oldest first, with the holds transit recorded for each. */
async function journeysOf(phone: Phone): Promise<{ journeyId: string; serviceDate: string; holdIds: string[] }[]> {
  const { rows } = await h.db.query<{ journey_id: string; service_date: string; hold_ids: string[] }>(
    `SELECT c.journey_id, c.service_date::text,
            coalesce(array_agg(h.hold_id::text ORDER BY h.created_at) FILTER (WHERE h.hold_id IS NOT NULL), '{}') AS hold_ids
       FROM journey_charges c LEFT JOIN journey_holds h USING (resident_id, journey_id)
      WHERE c.resident_id = $1 GROUP BY c.journey_id, c.service_date ORDER BY min(h.created_at) NULLS LAST`,
    [phone.residentId],
  );
  return rows.map((row) => ({ journeyId: row.journey_id, serviceDate: row.service_date, holdIds: row.hold_ids }));
}

interface Run {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly lines: Record<string, unknown>[];
}

/** `npm run reconcile -w @citypass/transit`, as an operator runs it against this harness. */
async function reconcile(env: Record<string, string> = {}): Promise<Run> {
  const windowStart = (): string => new Date(Date.now() - 8 * day).toISOString().slice(0, 10);
  const firstDayBefore = windowStart();
  const child = spawn(process.execPath, [join(import.meta.dirname, '..', 'src', 'reconcile.ts')], {
    env: {
      PATH: process.env.PATH,
      TRANSIT_DATABASE_URL: h.database.url,
      IDENTITY_TOKEN_URL: h.config.IDENTITY_TOKEN_URL,
      TRANSIT_CLIENT_ID: h.config.TRANSIT_CLIENT_ID,
      TRANSIT_CLIENT_SECRET: h.config.TRANSIT_CLIENT_SECRET,
      WALLET_GRPC_ADDRESS: h.wallet.address,
      ...env,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  const lines = stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
  // The window opens 8 days before the command's today, on the real clock (the harness's clock runs ahead of it,
  // so every journey here is inside); the run may cross midnight.
  const summary = lines.at(-1);
  assert.ok(summary !== undefined && [firstDayBefore, windowStart()].includes(String(summary.fromServiceDate)), stdout);
  delete summary.fromServiceDate;
  return { code, stdout, stderr, lines };
}

/** A wallet client with a token of transit's own client, for one scope. */
async function walletAsTransit(scope: string) {
  const response = await h.wallet.identity.clientCredentialsToken(
    h.config.TRANSIT_CLIENT_ID,
    h.config.TRANSIT_CLIENT_SECRET,
    'urn:citypass:wallet',
    scope,
  );
  assert.equal(response.status, 200, await response.clone().text());
  const token = ((await response.json()) as { access_token: string }).access_token;
  return promiseClient(WalletServiceService, h.wallet.address, { metadata: () => bearer(token) });
}

test('reconciliation with the wallet - settled books agree; a refund, charges changed, a lost hold and an orphan hold are each reported exactly', async () => {
  // A fare the wallet can no longer take (the tap is past its settlement window by the time money arrives) is
  // written off: transit records it as charged, and no money moved.
  const writtenOff = await h.resident(0n);
  await ride(writtenOff, 'harbour-g1', 'central-g1');
  h.clockOffsetMs += 15 * day;
  await h.wallet.topUp(writtenOff, 1_000n);
  await waitFor(
    async () => {
      await h.settle();
      const { rows } = await h.db.query<{ status: string }>(
        'SELECT status FROM settlement_steps WHERE resident_id = $1',
        [writtenOff.residentId],
      );
      return rows.map((row) => row.status).join() === 'written_off';
    },
    'written off after the top-up',
    10_000,
  );

  const plain = await h.resident(2_000n);
  await ride(plain, 'central-g1', 'market-g2');
  // A day capped at 9.00: 4.80 + 4.20, then nothing.
  const capped = await h.resident(5_000n);
  for (let journey = 0; journey < 4; journey++) await ride(capped, 'central-g1', 'airport-g1');
  // The maximum fare when the journey's time runs out, refunded down to the fare when the exit tap is uploaded.
  const corrected = await h.resident(2_000n);
  const entryAt = h.now();
  await tap(corrected, 'university-g1', 'in');
  h.clockOffsetMs += 3 * 60 * minute;
  await h.settle();
  const exit = {
    tapId: randomUUID(),
    presentation: h.tapPresentationAt(corrected, entryAt + 30 * minute),
    direction: 'out',
    tappedAt: new Date(entryAt + 30 * minute),
    decision: 'OPEN',
    reason: '',
  };
  assert.deepEqual((await h.gates.uploadTaps({ gateId: 'stadium-g1', taps: [exit] })).acceptedTapIds, [exit.tapId]);
  await h.settle();
  assert.deepEqual(
    [await h.balance(writtenOff), await h.balance(plain), await h.balance(capped), await h.balance(corrected)],
    [1_000n, 2_000n - 350n, 5_000n - 900n, 2_000n - 350n],
    'settled as the fare rules say',
  );

  const clean = await reconcile();
  assert.equal(clean.code, 0, clean.stdout + clean.stderr);
  assert.equal(clean.lines.length, 1, clean.stdout);
  assert.deepEqual(
    clean.lines[0],
    {
      ok: true,
      holdsRead: 4,
      journeysRead: 5,
      journeysSettling: 0,
      holdsInFlight: 0,
      unreported: 0,
      journeyMismatches: 0,
      orphanHolds: 0,
    },
    'four holds (plain, 4.80, 4.20, the corrected one) and five charged journeys (the written-off one too)',
  );

  // Now break the books, each in its own way.
  const [plainJourney] = await journeysOf(plain);
  const [firstCapped, secondCapped] = await journeysOf(capped);
  const [correctedJourney] = await journeysOf(corrected);
  assert.ok(plainJourney && firstCapped && secondCapped && correctedJourney);
  assert.deepEqual(
    [plainJourney, firstCapped, secondCapped, correctedJourney].map((journey) => journey.holdIds.length),
    [1, 1, 1, 1],
  );
  // The wallet refunds one of transit's holds that transit did not ask for.
  const refunds = await walletAsTransit('refund:transit');
  const charges = await walletAsTransit('charge:transit');
  try {
    await refunds.refund({
      idempotencyKey: randomUUID(),
      holdId: plainJourney.holdIds[0] ?? '',
      amountMinor: 100n,
      reason: 'goodwill',
    });
    // A hold charged to transit outside settlement: money captured that no journey names.
    const stranger = await h.resident(1_000n);
    const { hold: authorized } = await charges.authorize({
      idempotencyKey: randomUUID(),
      amount: { amountMinor: 120n, currency: 'EUR' },
      presentation: h.tapPresentation(stranger),
      reference: 'not a fare',
      holdTtlSeconds: 0,
      settlesTap: false,
    });
    const orphanId = authorized?.holdId ?? '';
    const { hold: orphan } = await charges.capture({
      idempotencyKey: randomUUID(),
      holdId: orphanId,
      amountMinor: 120n,
    });

    // Transit's own books changed: one journey's charge, another's charge and its service day (so far back that only
    // its hold, made in the window, brings it in), and a hold recorded that the wallet never made.
    await h.db.query('UPDATE journey_charges SET charged_minor = 400 WHERE resident_id = $1 AND journey_id = $2', [
      capped.residentId,
      secondCapped.journeyId,
    ]);
    const longAgo = new Date(Date.now() - 60 * day).toISOString().slice(0, 10);
    await h.db.query(
      'UPDATE journey_charges SET charged_minor = 500, service_date = $3 WHERE resident_id = $1 AND journey_id = $2',
      [capped.residentId, firstCapped.journeyId, longAgo],
    );
    const lostHoldId = randomUUID();
    await h.db.query(
      'INSERT INTO journey_holds (hold_id, resident_id, journey_id, captured_minor) VALUES ($1, $2, $3, 100)',
      [lostHoldId, corrected.residentId, correctedJourney.journeyId],
    );

    const broken = await reconcile();
    assert.equal(broken.code, 1, broken.stdout + broken.stderr);
    const mismatch = (
      phone: Phone,
      journey: { journeyId: string; serviceDate: string; holdIds: string[] },
      figures: { transit: bigint; wallet: bigint; charged: bigint; missing?: string[]; serviceDate?: string },
    ) => ({
      check: 'journey',
      residentId: phone.residentId,
      journeyId: journey.journeyId,
      serviceDate: figures.serviceDate ?? journey.serviceDate,
      currency: 'EUR',
      holdIds: [...journey.holdIds, ...(figures.missing ?? [])],
      transitNetMinor: String(figures.transit),
      walletNetMinor: String(figures.wallet),
      chargedMinor: String(figures.charged),
      writtenOffMinor: '0',
      missingHoldIds: figures.missing ?? [],
      otherCurrencyHoldIds: [],
    });
    const byJourney = (line: Record<string, unknown>): string => String(line.journeyId);
    assert.deepEqual(
      broken.lines.filter((line) => line.check === 'journey').sort((a, b) => byJourney(a).localeCompare(byJourney(b))),
      [
        mismatch(plain, plainJourney, { transit: 350n, wallet: 250n, charged: 350n }),
        mismatch(capped, firstCapped, { transit: 500n, wallet: 480n, charged: 500n, serviceDate: longAgo }),
        mismatch(capped, secondCapped, { transit: 400n, wallet: 420n, charged: 400n }),
        mismatch(corrected, correctedJourney, { transit: 350n, wallet: 350n, charged: 350n, missing: [lostHoldId] }),
      ].sort((a, b) => a.journeyId.localeCompare(b.journeyId)),
    );
    assert.deepEqual(
      broken.lines.filter((line) => line.check === 'orphan_hold'),
      [
        {
          check: 'orphan_hold',
          holdId: orphanId,
          residentId: stranger.residentId,
          currency: 'EUR',
          capturedMinor: '120',
          refundedMinor: '0',
          status: 'captured',
          reference: 'not a fare',
          createdAt: orphan?.createdAt?.toISOString(),
        },
      ],
    );
    assert.deepEqual(broken.lines.at(-1), {
      ok: false,
      holdsRead: 5,
      journeysRead: 5,
      journeysSettling: 0,
      holdsInFlight: 0,
      unreported: 0,
      journeyMismatches: 4,
      orphanHolds: 1,
    });
    assert.equal(broken.lines.length, 6);
    const paged = await reconcile({ TRANSIT_RECONCILE_PAGE_SIZE: '2' });
    assert.deepEqual(
      [paged.code, paged.lines],
      [broken.code, broken.lines],
      'the same report read two holds and two journeys at a time',
    );
    assert.doesNotMatch(broken.stdout + broken.stderr, /eyJ/, 'no token and no presentation in the report');
  } finally {
    refunds.close();
    charges.close();
  }
});
