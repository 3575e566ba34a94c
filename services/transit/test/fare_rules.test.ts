// Transit against real identity, wallet, PostgreSQL and NATS: only operators read fare rule versions and add them,
// idempotently, effective from a later service day.
import { refusalOf } from '@citypass/platform/testing';
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import { type FareRules } from '@citypass/proto/transit/v1/transit';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

describe('fare rules', () => {
  test('fare rules - only operators (transit:admin) read the versions; a gate token and no token are refused', async () => {
    assert.ok((await h.operator.listFareRules({})).versions.length > 0);
    assert.deepEqual(await refusalOf(h.gates.listFareRules({})), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    assert.deepEqual(await refusalOf(h.anonymous.listFareRules({})), {
      kind: 'unauthenticated',
      reason: 'TOKEN_MISSING',
    });
  });

  test('operators add versions effective from a later day, idempotently; gates and residents cannot', async () => {
    const { versions } = await h.operator.listFareRules({});
    const current = versions.at(-1);
    assert.ok(current !== undefined);
    const today = new Date(h.now()).toISOString().slice(0, 10);
    const farFuture = `${new Date(h.now()).getUTCFullYear() + 5}-01-01`;
    const rules: FareRules = { ...current, effectiveFrom: farFuture, transferWindowMinutes: 45 };
    const key = randomUUID();
    assert.deepEqual(
      await refusalOf(
        h.operator.putFareRules({
          reason: 'test: new fares',
          idempotencyKey: randomUUID(),
          rules: { ...rules, effectiveFrom: today },
        }),
      ),
      { kind: 'failed_precondition', reason: 'EFFECTIVE_DATE_NOT_FUTURE' },
    );
    assert.deepEqual(await refusalOf(h.gates.putFareRules({ reason: 'test: new fares', idempotencyKey: key, rules })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    const badCaps = { ...rules, dailyCap: { adultMinor: 99_999n, childMinor: 0n, seniorMinor: 0n, studentMinor: 0n } };
    assert.equal(
      (
        await refusalOf(
          h.operator.putFareRules({ reason: 'test: new fares', idempotencyKey: randomUUID(), rules: badCaps }),
        )
      ).kind,
      'invalid_argument',
    );
    const created = await h.operator.putFareRules({ reason: 'test: new fares', idempotencyKey: key, rules });
    assert.equal(created.rules?.version, current.version + 1);
    assert.equal(
      (await h.operator.putFareRules({ reason: 'test: new fares', idempotencyKey: key, rules })).rules?.version,
      current.version + 1,
    );
    assert.deepEqual(
      await refusalOf(
        h.operator.putFareRules({
          reason: 'test: new fares',
          idempotencyKey: key,
          rules: { ...rules, maxJourneyMinutes: 90 },
        }),
      ),
      { kind: 'already_exists', reason: 'IDEMPOTENCY_KEY_REUSED' },
    );
    const listed = await h.operator.listFareRules({});
    assert.equal(listed.versions.length, versions.length + 1);
    assert.equal(listed.versions.at(-1)?.transferWindowMinutes, 45);
  });
});
