// Transit's operator views against real identity, wallet, PostgreSQL and NATS: the gates a page at a time and by
// prefix, the deny list with its debts, and the preview of candidate fare rules (the sample week while nothing was
// tapped, then the riders who tapped), its numbers worked out by hand from the Aurelia feed's fares.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FareRules, PreviewFareRulesResponse } from '@citypass/proto/transit/v1/transit';
import { refusalOf } from '@citypass/platform/testing';
import { gateTaps, minute } from './gate_taps.ts';
import { startTransitHarness, type TransitHarness } from './harness.ts';

let h: TransitHarness;
const { tap } = gateTaps(() => h);
before(async () => {
  h = await startTransitHarness();
});
after(async () => {
  await h.stop();
});

const page = { pageSize: 0, pageToken: '', search: '' };

describe('gates', () => {
  test('ListGates - pages of 3 walk every gate once, in gate id order; the last page has no token', async () => {
    const seen: string[] = [];
    let pageToken = '';
    let pages = 0;
    do {
      const answer = await h.operator.listGates({ ...page, pageSize: 3, pageToken });
      assert.ok(answer.gates.length <= 3);
      seen.push(...answer.gates.map((gate) => gate.gateId));
      pageToken = answer.nextPageToken;
      pages++;
    } while (pageToken !== '');
    assert.equal(seen.length, 20, 'the Aurelia feed has 20 gates');
    assert.equal(pages, 7);
    assert.deepEqual(seen, [...seen].sort());
    assert.equal(new Set(seen).size, 20);
    const all = await h.operator.listGates(page);
    assert.deepEqual(
      all.gates.map((gate) => gate.gateId),
      seen,
    );
    assert.equal(all.nextPageToken, '', 'the default page (100) holds them all');
    assert.ok(all.gates.every((gate) => gate.clientId === 'gates'));
  });

  test('ListGates - search by gate id or station id prefix, paged too', async () => {
    const market = await h.operator.listGates({ ...page, search: 'market' });
    assert.deepEqual(
      market.gates.map((gate) => gate.gateId),
      ['market-g1', 'market-g2'],
    );
    const first = await h.operator.listGates({ ...page, search: 'h', pageSize: 3 });
    assert.deepEqual(
      first.gates.map((gate) => gate.gateId),
      ['harbour-g1', 'harbour-g2', 'hillcrest-g1'],
    );
    const second = await h.operator.listGates({ ...page, search: 'h', pageSize: 3, pageToken: first.nextPageToken });
    assert.deepEqual(
      second.gates.map((gate) => gate.gateId),
      ['hillcrest-g2'],
    );
    assert.equal(second.nextPageToken, '');
    assert.deepEqual((await h.operator.listGates({ ...page, search: 'nowhere' })).gates, []);
  });

  test('ListGates - bad page size, token or search is INVALID_ARGUMENT with its reason; gates and strangers are refused', async () => {
    assert.equal((await h.operator.listGates({ ...page, pageSize: 500 })).gates.length, 20);
    assert.deepEqual(await refusalOf(h.operator.listGates({ ...page, pageSize: 501 })), {
      kind: 'invalid_argument',
      reason: 'PAGE_SIZE_INVALID',
    });
    for (const pageToken of ['not a token', 'Zm9v', Buffer.from('deny|central-g1').toString('base64url')]) {
      assert.deepEqual(await refusalOf(h.operator.listGates({ ...page, pageToken })), {
        kind: 'invalid_argument',
        reason: 'PAGE_TOKEN_INVALID',
      });
    }
    assert.equal((await h.operator.listGates({ ...page, search: 'x'.repeat(64) })).gates.length, 0);
    for (const search of ['x'.repeat(65), 'central g1', '%']) {
      assert.deepEqual(await refusalOf(h.operator.listGates({ ...page, search })), {
        kind: 'invalid_argument',
        reason: 'GATE_SEARCH_INVALID',
      });
    }
    assert.deepEqual(await refusalOf(h.gates.listGates(page)), { kind: 'permission_denied', reason: 'SCOPE_MISSING' });
    assert.deepEqual(await refusalOf(h.anonymous.listGates(page)), {
      kind: 'unauthenticated',
      reason: 'TOKEN_MISSING',
    });
  });
});

describe('deny list', () => {
  test('ListDenyList - debts, longest denied first (ties by resident id), a page at a time', async () => {
    const residents = Array.from({ length: 5 }, () => randomUUID());
    // Two residents denied at the same instant: the resident id orders them.
    const since = [
      '2026-01-01T10:00:00.000001Z',
      '2026-01-02T10:00:00Z',
      '2026-01-02T10:00:00Z',
      '2026-01-03T00:00:00Z',
    ];
    for (const [index, residentId] of residents.entries()) {
      await h.db.query(
        "INSERT INTO deny_list (resident_id, debt_minor, currency, reason, since) VALUES ($1, $2, 'EUR', 'INSUFFICIENT_FUNDS', $3)",
        [residentId, 100 * (index + 1), since[index] ?? '2026-01-04T00:00:00Z'],
      );
    }
    const tied = [residents[1], residents[2]].sort();
    const expected = [residents[0], ...tied, residents[3], residents[4]];
    const seen: { residentId: string; debtMinor: bigint; since: string }[] = [];
    let pageToken = '';
    do {
      const answer = await h.operator.listDenyList({ pageSize: 2, pageToken });
      assert.ok(answer.entries.length <= 2);
      seen.push(
        ...answer.entries.map((entry) => ({
          residentId: entry.residentId,
          debtMinor: entry.debtMinor,
          since: entry.since?.toISOString() ?? '',
        })),
      );
      pageToken = answer.nextPageToken;
    } while (pageToken !== '');
    assert.deepEqual(
      seen.map((entry) => entry.residentId),
      expected,
    );
    assert.deepEqual(seen[0], { residentId: residents[0], debtMinor: 100n, since: '2026-01-01T10:00:00.000Z' });
    const first = (await h.operator.listDenyList({ pageSize: 0, pageToken: '' })).entries[0];
    assert.equal(first?.currency, 'EUR');
    assert.equal(first.reason, 'INSUFFICIENT_FUNDS');
  });

  test('ListDenyList - bad page size or token is INVALID_ARGUMENT; only operators read it', async () => {
    assert.deepEqual(await refusalOf(h.operator.listDenyList({ pageSize: 501, pageToken: '' })), {
      kind: 'invalid_argument',
      reason: 'PAGE_SIZE_INVALID',
    });
    const gatesToken = (await h.operator.listGates({ ...page, pageSize: 1 })).nextPageToken;
    const forged = Buffer.from(`deny|99999999999999999999:${randomUUID()}`).toString('base64url');
    for (const pageToken of [gatesToken, forged, 'junk!']) {
      assert.deepEqual(await refusalOf(h.operator.listDenyList({ pageSize: 0, pageToken })), {
        kind: 'invalid_argument',
        reason: 'PAGE_TOKEN_INVALID',
      });
    }
    assert.deepEqual(await refusalOf(h.gates.listDenyList({ pageSize: 0, pageToken: '' })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
  });
});

describe('fare rules preview', () => {
  /** The version in force with zones 1-2 at `adultMinor` for adults, effective in five years. */
  async function candidate(adultMinor: bigint): Promise<FareRules> {
    const current = (await h.operator.listFareRules({})).versions.at(-1) ?? assert.fail('no fare rules');
    return {
      ...current,
      effectiveFrom: `${new Date(h.now()).getUTCFullYear() + 5}-01-01`,
      zoneFares: current.zoneFares.map((fare) =>
        fare.fromZone === 1 && fare.toZone === 2 && fare.fare !== undefined
          ? { ...fare, fare: { ...fare.fare, adultMinor } }
          : fare,
      ),
    };
  }

  const totals = (preview: PreviewFareRulesResponse, concession: string) =>
    concession === '' ? preview.total : preview.byConcession.find((part) => part.concession === concession);

  test('PreviewFareRules - with no taps recorded, the sample commuter week: adults pay more, capped at the week', async () => {
    const preview = await h.operator.previewFareRules({ rules: await candidate(400n) });
    assert.equal(preview.source, 'sample_week');
    assert.equal(preview.currency, 'EUR');
    assert.equal(preview.firstServiceDate, '2025-01-06');
    assert.equal(preview.lastServiceDate, '2025-01-12');
    // 12 journeys Central <-> Market (zones 1-2). Adult: 12 x 3.50 = 42.00; at 4.00, 48.00 is over the 45.00
    // weekly cap (no day reaches 9.00: 2 x 4.00). Senior 12 x 1.75, student 12 x 2.45, child free: unchanged.
    assert.deepEqual(totals(preview, 'adult'), {
      concession: 'adult',
      riders: 1,
      journeysBefore: 12,
      journeysAfter: 12,
      revenueBeforeMinor: 4200n,
      revenueAfterMinor: 4500n,
      ridersPayingMore: 1,
      ridersPayingLess: 0,
      ridersPayingSame: 0,
    });
    assert.equal(totals(preview, 'senior')?.revenueAfterMinor, 2100n);
    assert.equal(totals(preview, 'student')?.revenueBeforeMinor, 2940n);
    assert.equal(totals(preview, 'child')?.revenueBeforeMinor, 0n);
    assert.deepEqual(totals(preview, ''), {
      concession: '',
      riders: 4,
      journeysBefore: 48,
      journeysAfter: 48,
      revenueBeforeMinor: 4200n + 2100n + 2940n,
      revenueAfterMinor: 4500n + 2100n + 2940n,
      ridersPayingMore: 1,
      ridersPayingLess: 0,
      ridersPayingSame: 3,
    });
    assert.equal(preview.ridersLimited, false);
  });

  test('PreviewFareRules - bad candidates get PutFareRules refusals, and no version is added', async () => {
    const versions = (await h.operator.listFareRules({})).versions.length;
    const today = new Date(h.now()).toISOString().slice(0, 10);
    const good = await candidate(400n);
    const bad: FareRules[] = [
      { ...good, effectiveFrom: today },
      { ...good, dailyCap: { adultMinor: 99_999n, childMinor: 0n, seniorMinor: 0n, studentMinor: 0n } },
      { ...good, weeklyCapPeriod: 'fortnight' },
      { ...good, zoneFares: good.zoneFares.slice(1) },
    ];
    for (const rules of bad) {
      const refused = await refusalOf(h.operator.previewFareRules({ rules }));
      assert.deepEqual(
        refused,
        await refusalOf(h.operator.putFareRules({ reason: 'test: new fares', idempotencyKey: randomUUID(), rules })),
      );
      assert.notEqual(refused.kind, 'internal');
    }
    assert.deepEqual(await refusalOf(h.operator.previewFareRules({ rules: undefined })), {
      kind: 'invalid_argument',
      reason: 'FARE_RULES_MISSING',
    });
    assert.deepEqual(await refusalOf(h.gates.previewFareRules({ rules: good })), {
      kind: 'permission_denied',
      reason: 'SCOPE_MISSING',
    });
    assert.equal((await h.operator.listFareRules({})).versions.length, versions);
  });

  test("PreviewFareRules - the last 7 days' riders replayed: only the zones 1-2 rider pays more", async () => {
    const toMarket = await h.resident();
    const toAirport = await h.resident();
    assert.equal((await tap(toMarket, 'central-g1', 'in')).decision, 'OPEN');
    assert.equal((await tap(toAirport, 'central-g2', 'in')).decision, 'OPEN');
    h.clockOffsetMs += 25 * minute;
    assert.equal((await tap(toMarket, 'market-g1', 'out')).decision, 'OPEN');
    assert.equal((await tap(toAirport, 'airport-g1', 'out')).decision, 'OPEN');
    const preview = await h.operator.previewFareRules({ rules: await candidate(400n) });
    assert.equal(preview.source, 'recorded_taps');
    const today = new Date(h.now() + 60 * minute).toISOString().slice(0, 10); // Aurelia's local date
    assert.equal(preview.lastServiceDate, today);
    assert.equal(
      preview.firstServiceDate,
      new Date(Date.parse(`${today}T00:00:00Z`) - 6 * 86_400_000).toISOString().slice(0, 10),
    );
    // Central -> Market 3.50 becomes 4.00; Central -> Airport (zones 1-3) stays 4.80.
    assert.deepEqual(totals(preview, ''), {
      concession: '',
      riders: 2,
      journeysBefore: 2,
      journeysAfter: 2,
      revenueBeforeMinor: 350n + 480n,
      revenueAfterMinor: 400n + 480n,
      ridersPayingMore: 1,
      ridersPayingLess: 0,
      ridersPayingSame: 1,
    });
    assert.deepEqual(
      preview.byConcession.map((part) => part.concession),
      ['adult'],
    );
    const cheaper = await h.operator.previewFareRules({ rules: await candidate(300n) });
    assert.equal(cheaper.total?.revenueAfterMinor, 300n + 480n);
    assert.equal(cheaper.total.ridersPayingLess, 1);
  });
});
