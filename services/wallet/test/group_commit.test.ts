// The ledger's hot writes under group commit (store/ledger_batches.ts), against real PostgreSQL: concurrent
// charges across and within accounts share transactions, one refused item is refused alone, repeats of a key in
// one batch answer the first response, and the books reconcile after every mix.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { walletEventSubjects, walletReasons } from '@citypass/contracts';
import { DomainError } from '@citypass/platform/errors';
import { minorUnits } from '@citypass/platform/money';
import { createPool, type Pool } from '@citypass/platform/pg';
import { refusalOf, testPostgres, type TestDatabase } from '@citypass/platform/testing';
import type {
  ChargeCall,
  NewCharge,
  NewHold,
  OneStatementCall,
  RiskDecisionRecord,
  WalletStore,
} from '../src/app/store.ts';
import { reconciliationReport } from '../src/app/reconciliation_report.ts';
import { requestDigest } from '../src/app/request_digest.ts';
import { oneStatementArgs, type LedgerArgs, type SqlValue } from '../src/store/ledger_calls.ts';
import { ledgerBooks } from '../src/store/reconciliation.ts';
import { prepareSchema } from '../src/store/schema.ts';
import { createWalletStore } from '../src/store/wallet_store.ts';
import { riskEventJsonText } from '../src/domain/risk_event_json.ts';
import { riskDecisionJson } from '../src/store/risk_decisions.ts';
import { verifiedPaymentFacts, type RiskEvent } from '@citypass/risk';

let database: TestDatabase;
let pool: Pool;
let store: WalletStore;
const batches: { size: number; kind: string }[] = [];
const risk = { authorizationsPerMinute: 1_000_000, dailyLimitMinor: 10n ** 12n, credentialDailyLimitMinor: 10n ** 12n };

before(async () => {
  database = await testPostgres();
  pool = createPool(database.url, { max: 8 });
  await prepareSchema(pool);
  store = createWalletStore(pool, { batch: { maxBatch: 16, onBatch: (size, kind) => batches.push({ size, kind }) } });
  await store.transaction(async (tx) => {
    await tx.openAccount('float', 'city', 'EUR');
    await tx.openAccount('merchant', 'shop', 'EUR');
  });
});
after(async () => {
  await pool.end();
  await database.drop();
});

async function resident(balanceMinor: bigint): Promise<string> {
  const residentId = randomUUID();
  await store.transaction((tx) =>
    tx.topUp({
      transferId: randomUUID(),
      to: { residentId },
      amount: { amountMinor: minorUnits(balanceMinor), currency: 'EUR' },
      reference: `fund-${residentId}`,
      now: new Date(),
    }),
  );
  return residentId;
}

const event = (type: string) => ({ id: randomUUID(), type, source: 'wallet', payload: randomBytes(32) });

function claimOf(request: Buffer = randomBytes(16)): OneStatementCall {
  const key = randomBytes(12).toString('hex');
  return {
    operation: 'shop:authorize',
    key,
    requestDigest: requestDigest(request),
    response: randomBytes(24),
    event: event(walletEventSubjects.holdAuthorized),
  };
}

function charge(residentId: string, amountMinor: bigint): [ChargeCall, NewCharge] {
  const call = { ...claimOf(), capturedEvent: event(walletEventSubjects.holdCaptured) };
  return [
    call,
    {
      holdId: randomUUID(),
      service: 'shop',
      residentId,
      credentialId: `credential-${residentId}`,
      mandateNonce: randomBytes(12).toString('base64url'),
      amount: { amountMinor: minorUnits(amountMinor), currency: 'EUR' },
      reference: '',
      createdAt: new Date(),
      risk,
      payee: undefined,
      payerShare: undefined,
      transferId: randomUUID(),
      payerTransferId: randomUUID(),
    },
  ];
}

async function balanceOf(kind: string, owner: string): Promise<bigint> {
  const { rows } = await pool.query<{ balance_minor: string }>(
    'SELECT balance_minor FROM accounts WHERE kind = $1 AND owner = $2',
    [kind, owner],
  );
  return BigInt(rows[0]?.balance_minor ?? 'NaN');
}

async function assertBooksBalance(): Promise<void> {
  const report = await reconciliationReport(ledgerBooks(pool));
  assert.ok(report.ok, JSON.stringify(report.checks.filter((check) => check.breaks > 0)));
}

test('group commit - concurrent charges across and within accounts share commits, each posted once', async () => {
  batches.length = 0;
  const merchantBefore = await balanceOf('merchant', 'shop');
  const residents = await Promise.all(Array.from({ length: 6 }, () => resident(100n)));
  const results = await Promise.all(
    residents.flatMap((residentId) =>
      Array.from({ length: 8 }, () => store.oneStatement.charge(...charge(residentId, 7n))),
    ),
  );
  assert.equal(results.length, 48);
  const sizes = batches.filter((batch) => batch.kind === 'charge').map((batch) => batch.size);
  assert.equal(
    sizes.reduce((sum, size) => sum + size, 0),
    48,
  );
  assert.ok(Math.max(...sizes) > 1 && sizes.length < 48, `batches: ${sizes.join(',')}`);
  for (const residentId of residents) assert.equal(await balanceOf('resident', residentId), 100n - 56n);
  assert.equal((await balanceOf('merchant', 'shop')) - merchantBefore, 48n * 7n);
  await assertBooksBalance();
});

test('group commit - one account charged past its balance within one batch approves only what it holds', async () => {
  const residentId = await resident(50n);
  const outcomes = await Promise.all(
    Array.from({ length: 12 }, () =>
      store.oneStatement.charge(...charge(residentId, 5n)).then(
        () => 'OK',
        (error: unknown) => (error instanceof DomainError ? `${error.kind} ${error.reason}` : String(error)),
      ),
    ),
  );
  const refused = `failed_precondition ${walletReasons.INSUFFICIENT_FUNDS}`;
  assert.deepEqual(outcomes.toSorted(), [...Array.from({ length: 10 }, () => 'OK'), refused, refused].toSorted());
  assert.equal(await balanceOf('resident', residentId), 0n);
  await assertBooksBalance();
});

test('group commit - a charge without funds in the middle of a batch is refused alone, leaving no rows', async () => {
  batches.length = 0;
  const rich = await Promise.all(Array.from({ length: 4 }, () => resident(1_000n)));
  const poor = await resident(5n);
  const calls = [charge(rich[0] ?? '', 10n), charge(rich[1] ?? '', 10n), charge(poor, 10n)];
  calls.push(charge(rich[2] ?? '', 10n), charge(rich[3] ?? '', 10n));
  const outcomes = calls.map(([call, charged]) => store.oneStatement.charge(call, charged));
  assert.deepEqual(await refusalOf(outcomes[2] as Promise<Buffer>), {
    kind: 'failed_precondition',
    reason: walletReasons.INSUFFICIENT_FUNDS,
  });
  const answered = await Promise.all(outcomes.filter((_, index) => index !== 2));
  assert.deepEqual(
    answered.map((response) => response.toString('hex')),
    calls.filter((_, index) => index !== 2).map(([call]) => Buffer.from(call.response).toString('hex')),
  );
  assert.deepEqual(
    batches.map((batch) => batch.size),
    [5],
  );
  const [poorCall] = calls[2] ?? [];
  const keys = await pool.query('SELECT 1 FROM idempotency_keys WHERE key = $1', [poorCall?.key]);
  const events = await pool.query('SELECT 1 FROM outbox WHERE id = ANY($1::uuid[])', [
    [poorCall?.event.id, poorCall?.capturedEvent.id].filter((id) => id !== undefined),
  ]);
  assert.equal(keys.rowCount, 0, 'the refused charge claimed no key: it may be retried');
  assert.equal(events.rowCount, 0);
  assert.equal(await balanceOf('resident', poor), 5n);
  for (const residentId of rich) assert.equal(await balanceOf('resident', residentId), 990n);
  await assertBooksBalance();
});

test("group commit - each charge's transfer records the merchant's balance after it, one refused after the merchant's lock", async () => {
  batches.length = 0;
  const merchantBefore = await balanceOf('merchant', 'shop');
  const residents = await Promise.all(Array.from({ length: 4 }, () => resident(1_000n)));
  const calls = residents.map((residentId, index) => charge(residentId, BigInt(10 * (index + 1))));
  const [first, , third] = calls;
  assert.ok(first && third);
  // A reused mandate is refused at the hold's INSERT, after its item locked the merchant's row.
  third[1] = { ...third[1], mandateNonce: first[1].mandateNonce };
  const outcomes = await Promise.allSettled(calls.map(([call, charged]) => store.oneStatement.charge(call, charged)));
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(
    batches.map((batch) => batch.size),
    [4],
  );
  const { rows } = await pool.query<{ credit_balance_after_minor: string }>(
    'SELECT credit_balance_after_minor FROM transfers WHERE id = ANY($1::uuid[]) ORDER BY amount_minor',
    [calls.map(([, charged]) => charged.transferId)],
  );
  assert.deepEqual(
    rows.map((row) => BigInt(row.credit_balance_after_minor) - merchantBefore),
    [10n, 30n, 70n],
  );
  assert.equal((await balanceOf('merchant', 'shop')) - merchantBefore, 70n);
  await assertBooksBalance();
});

test("group commit - each capture's transfers record the merchant's balance after them, split holds, one refused after the payer's leg", async () => {
  await store.transaction((tx) => tx.openAccount('payer', 'insurer', 'EUR'));
  await store.transaction((tx) =>
    tx.topUp({
      transferId: randomUUID(),
      to: { payer: 'insurer' },
      amount: { amountMinor: minorUnits(10_000n), currency: 'EUR' },
      reference: 'fund-insurer',
      now: new Date(),
    }),
  );
  const residents = await Promise.all(Array.from({ length: 4 }, () => resident(1_000n)));
  const holds = residents.map((residentId, index) => ({
    holdId: randomUUID(),
    service: 'shop',
    residentId,
    credentialId: `credential-${residentId}`,
    mandateNonce: randomBytes(12).toString('base64url'),
    amount: { amountMinor: minorUnits(BigInt(10 * (index + 1))), currency: 'EUR' },
    reference: '',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    risk,
    payee: undefined,
    payerShare: { payer: 'insurer', amountMinor: minorUnits(BigInt(100 * (index + 1))) },
  }));
  await Promise.all(holds.map((hold) => store.oneStatement.authorize(claimOf(), hold)));
  const merchantBefore = await balanceOf('merchant', 'shop');
  const payerBefore = await pool.query<{ balance_minor: string; held_minor: string }>(
    "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'payer' AND owner = 'insurer'",
  );
  const now = new Date();
  const captures = holds.map((hold) => ({
    holdId: hold.holdId,
    service: 'shop',
    amountMinor: hold.amount.amountMinor,
    transferId: randomUUID(),
    payerAmountMinor: hold.payerShare.amountMinor,
    payerTransferId: randomUUID(),
    now,
  }));
  // The third is refused at its payer leg's UPDATE, the item's last statement (its transfers are inserted after the
  // batch's loop): after its merchant's lock, its resident's and its payer's debits. Nothing the wallet sends can
  // fail there, so a trigger of this test's own refuses the release of its payer's 300.
  await pool.query(`CREATE FUNCTION refuse_third_payer_leg() RETURNS trigger LANGUAGE plpgsql AS $$
                    BEGIN RAISE EXCEPTION 'refused by the test'; END $$`);
  await pool.query(`CREATE TRIGGER refuse_third_payer_leg AFTER UPDATE ON accounts FOR EACH ROW
                    WHEN (NEW.kind = 'payer' AND OLD.held_minor - NEW.held_minor = 300)
                    EXECUTE FUNCTION refuse_third_payer_leg()`);
  batches.length = 0;
  const outcomes = await Promise.allSettled(
    captures.map((capture) =>
      store.oneStatement.capture(
        { ...claimOf(), operation: 'shop:capture', event: event(walletEventSubjects.holdCaptured) },
        capture,
      ),
    ),
  );
  await pool.query('DROP TRIGGER refuse_third_payer_leg ON accounts; DROP FUNCTION refuse_third_payer_leg()');
  assert.deepEqual(
    outcomes.map((outcome) => outcome.status),
    ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
  );
  assert.deepEqual(
    batches.map((batch) => [batch.kind, batch.size]),
    [['capture', 4]],
  );
  const { rows } = await pool.query<{ amount_minor: string; credit_balance_after_minor: string }>(
    'SELECT amount_minor, credit_balance_after_minor FROM transfers WHERE id = ANY($1::uuid[]) ORDER BY 2',
    [captures.flatMap((capture) => [capture.transferId, capture.payerTransferId])],
  );
  // Resident leg, then payer leg, item by item; the refused third credits nothing.
  assert.deepEqual(
    rows.map((row) => [BigInt(row.amount_minor), BigInt(row.credit_balance_after_minor) - merchantBefore]),
    [
      [10n, 10n],
      [100n, 110n],
      [20n, 130n],
      [200n, 330n],
      [40n, 370n],
      [400n, 770n],
    ],
  );
  assert.equal((await balanceOf('merchant', 'shop')) - merchantBefore, 770n);
  const payerAfter = await pool.query<{ balance_minor: string; held_minor: string }>(
    "SELECT balance_minor, held_minor FROM accounts WHERE kind = 'payer' AND owner = 'insurer'",
  );
  assert.deepEqual(
    [
      BigInt(payerBefore.rows[0]?.balance_minor ?? 'NaN') - BigInt(payerAfter.rows[0]?.balance_minor ?? 'NaN'),
      BigInt(payerBefore.rows[0]?.held_minor ?? 'NaN') - BigInt(payerAfter.rows[0]?.held_minor ?? 'NaN'),
    ],
    [700n, 700n],
    "the payer paid and released the written items' legs only",
  );
  assert.equal(await balanceOf('resident', residents[2] ?? ''), 1_000n, 'the refused hold is still pending');
  await assertBooksBalance();
});

test('group commit - repeats of one key in one batch answer the first response; another request under it is refused', async () => {
  batches.length = 0;
  const residentId = await resident(100n);
  const [call, charged] = charge(residentId, 30n);
  const reused: ChargeCall = { ...call, requestDigest: requestDigest(randomBytes(16)) };
  const repeats = [store.oneStatement.charge(call, charged), store.oneStatement.charge(call, charged)];
  const refused = refusalOf(store.oneStatement.charge(reused, { ...charged, holdId: randomUUID() }));
  repeats.push(store.oneStatement.charge(call, charged));
  for (const response of await Promise.all(repeats)) assert.deepEqual(response, Buffer.from(call.response));
  assert.deepEqual(await refused, { kind: 'already_exists', reason: walletReasons.IDEMPOTENCY_KEY_REUSED });
  assert.deepEqual(
    batches.map((batch) => batch.size),
    [4],
  );
  const holds = await pool.query('SELECT 1 FROM holds WHERE resident_id = $1', [residentId]);
  assert.equal(holds.rowCount, 1);
  assert.equal(await balanceOf('resident', residentId), 70n);
  await assertBooksBalance();
});

/** The risk engine's approval of a charge, as the wallet writes it with its hold. */
function approved([call, charged]: [ChargeCall, NewCharge]): [ChargeCall, NewCharge] {
  const event: RiskEvent = {
    atMs: charged.createdAt.getTime(),
    channel: 'shop',
    residentId: charged.residentId,
    deviceId: 'device',
    credentialId: charged.credentialId,
    deviceBoundAtMs: 0,
    merchantId: 'shop',
    category: 'retail',
    amountMinor: charged.amount.amountMinor,
    place: null,
    concession: 'adult',
    ...verifiedPaymentFacts,
  };
  const riskDecision: RiskDecisionRecord = {
    decisionId: randomUUID(),
    holdId: charged.holdId,
    service: 'shop',
    decision: {
      outcome: 'approve',
      stage: 'score',
      score: 10,
      // Its own reason, with the characters JSON and array literals escape and a line break (JSON lines separate
      // items by it), so a stored row shows whose it is.
      reasons: [
        {
          ruleId: `amount-${charged.holdId}`,
          ruleVersion: 1,
          points: 10,
          features: { amount_z: Number(charged.amount.amountMinor) },
          explanation: `an amount "far" above C:\\shop's usual,\n${charged.holdId}`,
        },
      ],
      ruleSetVersion: 'test',
      reason: null,
      explanation: 'test',
    },
    refusalReason: '',
    currency: 'EUR',
    event,
    eventJson: riskEventJsonText(event),
  };
  return [call, { ...charged, riskDecision }];
}

test("group commit - a batch writes the events and risk decisions of its written items only, each hold's in order", async () => {
  batches.length = 0;
  // An item without a decision first (scoring off, or a repeat of a committed payment): the decisions after it must
  // still be stored with their own reasons and events, not shifted onto its place.
  const undecided = charge(await resident(100n), 10n);
  const first = approved(charge(await resident(100n), 10n));
  const second = approved(charge(await resident(100n), 11n));
  const refused = approved(charge(await resident(5n), 10n));
  const outcomes = [undecided, first, refused, first, second].map((item) =>
    store.oneStatement.charge(...item).then(
      () => 'OK',
      (error: unknown) => (error instanceof DomainError ? error.reason : String(error)),
    ),
  );
  assert.deepEqual(await Promise.all(outcomes), ['OK', 'OK', walletReasons.INSUFFICIENT_FUNDS, 'OK', 'OK']);
  assert.deepEqual(
    batches.map((batch) => batch.size),
    [5],
  );
  const eventIds = ([call]: [ChargeCall, NewCharge]) => [call.event.id ?? '', call.capturedEvent.id ?? ''];
  const events = await pool.query<{ id: string }>('SELECT id FROM outbox WHERE id = ANY($1::uuid[]) ORDER BY seq', [
    [first, second, refused].flatMap(eventIds),
  ]);
  const order = events.rows.map((row) => row.id);
  assert.equal(order.length, 4, 'two events for each charge written, none for the refused one or the repeat');
  for (const item of [first, second]) {
    const [authorized = -1, captured = -1] = eventIds(item).map((id) => order.indexOf(id));
    assert.ok(authorized >= 0 && authorized < captured, "a hold's authorized event first");
  }
  const decisions = await pool.query<{ hold_id: string; decision_id: string; reasons: unknown; event: unknown }>(
    'SELECT hold_id, decision_id, reasons, event FROM risk_decisions WHERE hold_id = ANY($1::uuid[]) ORDER BY hold_id',
    [[undecided, first, second, refused].map(([, charged]) => charged.holdId)],
  );
  assert.deepEqual(
    decisions.rows,
    [first, second]
      .map(([, charged]) => charged.riskDecision)
      .map((record) => ({
        hold_id: record?.holdId,
        decision_id: record?.decisionId,
        reasons: record?.decision.reasons,
        event: JSON.parse(record?.eventJson ?? 'null') as unknown,
      }))
      .toSorted((a, b) => String(a.hold_id).localeCompare(String(b.hold_id))),
    'each written decision with its own reasons and event',
  );
  await assertBooksBalance();
});

test('group commit - without batching, one item raises what its batch of one reports: the reason and the constraint', async () => {
  const single = createWalletStore(pool);
  const residentId = await resident(100n);
  const [call, charged] = approved(charge(residentId, 10n));
  assert.deepEqual(await single.oneStatement.charge(call, charged), Buffer.from(call.response));
  assert.deepEqual(await single.oneStatement.charge(call, charged), Buffer.from(call.response), 'a repeat');
  const [again, reused] = charge(residentId, 10n);
  assert.deepEqual(
    await refusalOf(single.oneStatement.charge(again, { ...reused, mandateNonce: charged.mandateNonce })),
    {
      kind: 'permission_denied',
      reason: walletReasons.MANDATE_ALREADY_USED,
    },
  );
  const [poorCall, poorCharge] = charge(await resident(5n), 10n);
  assert.deepEqual(await refusalOf(single.oneStatement.charge(poorCall, poorCharge)), {
    kind: 'failed_precondition',
    reason: walletReasons.INSUFFICIENT_FUNDS,
  });
  const events = await pool.query('SELECT 1 FROM outbox WHERE id = ANY($1::uuid[])', [
    [call.event.id, call.capturedEvent.id, again.event.id, poorCall.event.id],
  ]);
  assert.equal(events.rowCount, 2, "the charge's two events, once");
  const decisions = await pool.query('SELECT 1 FROM risk_decisions WHERE hold_id = $1', [charged.holdId]);
  assert.equal(decisions.rowCount, 1);
  assert.equal(await balanceOf('resident', residentId), 90n);
  await assertBooksBalance();
});

test('group commit - authorizations, captures and voids batch by kind and keep the books', async () => {
  const residents = await Promise.all(Array.from({ length: 6 }, () => resident(100n)));
  const holds = residents.map((residentId) => ({
    holdId: randomUUID(),
    service: 'shop',
    residentId,
    credentialId: `credential-${residentId}`,
    mandateNonce: randomBytes(12).toString('base64url'),
    amount: { amountMinor: minorUnits(40n), currency: 'EUR' },
    reference: '',
    createdAt: new Date(),
    expiresAt: new Date(Date.now() + 60_000),
    risk,
    payee: undefined,
    payerShare: undefined,
  }));
  await Promise.all(holds.map((hold) => store.oneStatement.authorize(claimOf(), hold)));
  const now = new Date();
  await Promise.all(
    holds.map((hold, index) =>
      index % 2 === 0
        ? store.oneStatement.capture(
            { ...claimOf(), operation: 'shop:capture', event: event(walletEventSubjects.holdCaptured) },
            {
              holdId: hold.holdId,
              service: 'shop',
              amountMinor: minorUnits(25n),
              transferId: randomUUID(),
              payerAmountMinor: minorUnits(0n),
              payerTransferId: randomUUID(),
              now,
            },
          )
        : store.oneStatement.void(
            { ...claimOf(), operation: 'shop:void', event: event(walletEventSubjects.holdVoided) },
            { holdId: hold.holdId, service: 'shop', now },
          ),
    ),
  );
  for (const [index, residentId] of residents.entries())
    assert.equal(await balanceOf('resident', residentId), index % 2 === 0 ? 75n : 100n);
  assert.ok(batches.some((batch) => batch.kind === 'authorize' && batch.size > 1));
  await assertBooksBalance();
});

test('group commit - two instances whose batches deadlock on the same accounts: the victim is sent again, every charge posts once', async () => {
  // Two instances' stores: each its own pool and group commit, as two wallet replicas against the same database.
  let aborted = 0;
  const onAbort = (items: number) => {
    aborted += items;
  };
  const pools = [createPool(database.url, { max: 4 }), createPool(database.url, { max: 4 })];
  const [one, two] = pools.map((instancePool) => createWalletStore(instancePool, { batch: { maxBatch: 16, onAbort } }));
  assert.ok(one && two);
  const locker = await pool.connect();
  try {
    // Each round should deadlock (below); more rounds only in case a round does not.
    for (let round = 0; round < 10 && aborted === 0; round++) {
      const [x, y] = await Promise.all([resident(100n), resident(100n)]);
      const merchantBefore = await balanceOf('merchant', 'shop');
      // The merchant's row held, so each batch locks the resident of its first item (x, y) and queues on the
      // merchant; released, the instance that takes it wants the other's resident next while the other waits for
      // the merchant: PostgreSQL aborts one of the items. (Holding the residents instead left it to the scheduler:
      // the instance woken first could take both residents before the other ran.)
      await locker.query('BEGIN');
      await locker.query("SELECT 1 FROM accounts WHERE kind = 'merchant' AND owner = 'shop' FOR NO KEY UPDATE");
      const settled: Promise<PromiseSettledResult<unknown>[]> = Promise.allSettled([
        one.oneStatement.charge(...charge(x, 10n)),
        one.oneStatement.charge(...charge(y, 10n)),
        two.oneStatement.charge(...charge(y, 20n)),
        two.oneStatement.charge(...charge(x, 20n)),
      ]);
      for (let waiting = 0; waiting < 2; ) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        const { rows } = await pool.query<{ waiting: number }>(
          "SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'",
        );
        waiting = rows[0]?.waiting ?? 0;
      }
      await locker.query('COMMIT');
      const outcomes = await settled;
      assert.deepEqual(
        outcomes.map((outcome) => (outcome.status === 'fulfilled' ? 'OK' : String(outcome.reason))),
        ['OK', 'OK', 'OK', 'OK'],
      );
      assert.equal(await balanceOf('resident', x), 70n);
      assert.equal(await balanceOf('resident', y), 70n);
      assert.equal((await balanceOf('merchant', 'shop')) - merchantBefore, 60n);
    }
    assert.ok(aborted > 0, "the two instances' batches deadlocked in one of ten rounds");
    await assertBooksBalance();
  } finally {
    locker.release();
    await Promise.all(pools.map((instancePool) => instancePool.end()));
  }
});

/**
 * An earlier release's call of a hot write, as instances of it still make them while a rolling update replaces them
 * (on the database this release's start brought up to date): a batch's arguments as arrays, its risk decisions'
 * reasons and events among them as one JSON array each, null for an item without a decision (the previous
 * release's, before they became JSON lines); a single item's arguments as the current one's but the decision as one
 * JSON object, keys named as risk_decisions' columns (riskDecisionJson, as refusals are still stored), as the
 * release before sent them (the one-item functions' arguments have not changed since).
 */
async function previousReleaseCall(
  fn: 'wallet_authorize_once' | 'wallet_charge_once' | 'wallet_authorize_many' | 'wallet_charge_many',
  items: readonly { readonly args: LedgerArgs; readonly decision: RiskDecisionRecord | undefined }[],
): Promise<(Buffer | null)[]> {
  const many = fn.endsWith('_many');
  const columns = new Map<string, SqlValue[]>();
  for (const { args, decision } of items) {
    const previous: [string, SqlValue][] = many
      ? Object.entries(args)
      : [
          ...Object.entries(args).filter(([name]) => !name.startsWith('p_decision') && name !== 'p_decided_at'),
          ['p_risk_decision', decision === undefined ? null : riskDecisionJson(decision)],
        ];
    for (const [name, value] of previous) columns.set(name, [...(columns.get(name) ?? []), value]);
  }
  if (many)
    for (const name of ['p_decision_reasons', 'p_decision_event']) {
      const texts = columns.get(name) ?? [];
      columns.delete(name);
      // One JSON array for the batch, not an array of per-item values: held as a column of one, taken whole below.
      const list = texts.every((text) => text === null) ? null : `[${texts.map((text) => text ?? 'null').join(',')}]`;
      columns.set(`${name}_list`, [list]);
    }
  const names = [...columns.keys()];
  const text = many
    ? `SELECT response, error_state FROM ${fn}(${names.map((name, index) => `${name} => $${index + 1}`).join(', ')})`
    : `SELECT ${fn}(${names.map((name, index) => `${name} => $${index + 1}`).join(', ')}) AS response`;
  const values = [...columns].map(([name, value]) => (many && !name.endsWith('_list') ? value : value[0]));
  const result = await pool.query<{ response: Buffer | null; error_state?: string | null }>(text, values);
  for (const row of result.rows) assert.equal(row.error_state ?? null, null);
  return result.rows.map((row) => row.response);
}

test("group commit - earlier releases' calls (a batch's decisions as JSON arrays, one item's as one JSON object) still write holds, charges and their decisions", async () => {
  const residentId = await resident(100n);
  const held = ([call, charged]: [ChargeCall, NewCharge]): [OneStatementCall, NewHold] => [
    call,
    { ...charged, expiresAt: new Date(charged.createdAt.getTime() + 600_000) },
  ];
  // Alone and in a batch, with a decision and without (scoring off).
  const chargedAlone = approved(charge(residentId, 10n));
  const chargedTogether = [approved(charge(residentId, 10n)), charge(residentId, 10n)];
  const heldAlone = held(approved(charge(residentId, 10n)));
  const heldInBatch = held(charge(residentId, 10n));
  const chargeItem = (item: [ChargeCall, NewCharge]) => ({
    args: oneStatementArgs.charge(...item),
    decision: item[1].riskDecision,
  });
  const holdItem = (item: [OneStatementCall, NewHold]) => ({
    args: oneStatementArgs.authorize(...item),
    decision: item[1].riskDecision,
  });
  const written = [
    ...(await previousReleaseCall('wallet_charge_once', [chargeItem(chargedAlone)])),
    ...(await previousReleaseCall('wallet_charge_many', chargedTogether.map(chargeItem))),
    ...(await previousReleaseCall('wallet_authorize_once', [holdItem(heldAlone)])),
    ...(await previousReleaseCall('wallet_authorize_many', [holdItem(heldInBatch)])),
  ];
  const holds = [heldAlone, heldInBatch];
  assert.deepEqual(
    written,
    [chargedAlone, ...chargedTogether, ...holds].map(([call]) => Buffer.from(call.response)),
  );
  assert.equal(await balanceOf('resident', residentId), 100n - 3n * 10n, 'three charges taken');
  const pending = await pool.query("SELECT 1 FROM holds WHERE id = ANY($1::uuid[]) AND status = 'pending'", [
    holds.map(([, hold]) => hold.holdId),
  ]);
  assert.equal(pending.rowCount, 2, 'two holds pending');
  // The decisions as the current release writes them, for the items that carried one.
  const decided = [chargedAlone, ...chargedTogether, ...holds].flatMap(([, item]) =>
    item.riskDecision === undefined ? [] : [item.riskDecision],
  );
  assert.equal(decided.length, 3);
  const rows = await pool.query<{
    decision_id: string;
    hold_id: string;
    merchant: string;
    outcome: string;
    score: number;
    reasons: unknown;
    rule_set_version: string;
    refusal_reason: string;
    amount_minor: string;
    decided_at: Date;
    event: unknown;
  }>('SELECT * FROM risk_decisions WHERE resident_id = $1 ORDER BY decided_at, decision_id', [residentId]);
  assert.deepEqual(
    rows.rows.map((row) => ({
      decisionId: row.decision_id,
      holdId: row.hold_id,
      merchant: row.merchant,
      outcome: row.outcome,
      score: row.score,
      reasons: row.reasons,
      ruleSet: row.rule_set_version,
      refusal: row.refusal_reason,
      amount: row.amount_minor,
      decidedAt: row.decided_at.getTime(),
      event: row.event,
    })),
    decided
      .map((record) => ({
        decisionId: record.decisionId,
        holdId: record.holdId,
        merchant: record.event.merchantId,
        outcome: record.decision.outcome,
        score: record.decision.score,
        reasons: record.decision.reasons,
        ruleSet: record.decision.ruleSetVersion,
        refusal: '',
        amount: record.event.amountMinor.toString(),
        decidedAt: record.event.atMs,
        event: JSON.parse(record.eventJson) as unknown,
      }))
      .toSorted((a, b) => a.decidedAt - b.decidedAt || a.decisionId.localeCompare(b.decisionId)),
  );
  await assertBooksBalance();
});
