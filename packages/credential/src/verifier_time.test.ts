import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertRejects, audience, dayMs, makeFixture, nowMs } from './test_fixtures.ts';

const skewMs = 5_000;

test('verifier time - a 60 s presentation is accepted, 61 s is PRESENTATION_TTL_TOO_LONG', async () => {
  const fixture = makeFixture();
  assert.equal(
    (await fixture.verifier.verify(fixture.present({ ttlSeconds: 60 }), { audience })).expiresAtMs,
    nowMs + 60_000,
  );
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ ttlSeconds: 61 }), { audience }),
    'unauthenticated',
    'PRESENTATION_TTL_TOO_LONG',
  );
});

test('verifier time - a presentation is accepted until exp plus skew, then PRESENTATION_EXPIRED', async () => {
  const fixture = makeFixture();
  const expiresAtMs = nowMs + 30_000;
  const last = await fixture.verifier.verify(fixture.present({ ttlSeconds: 30 }), {
    audience,
    nowMs: expiresAtMs + skewMs - 1,
  });
  assert.equal(last.expiresAtMs, expiresAtMs);
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ ttlSeconds: 30 }), { audience, nowMs: expiresAtMs + skewMs }),
    'unauthenticated',
    'PRESENTATION_EXPIRED',
  );
});

test('verifier time - a presentation issued up to skew ahead is accepted, later is PRESENTATION_NOT_YET_VALID', async () => {
  const fixture = makeFixture();
  assert.equal(
    (await fixture.verifier.verify(fixture.present({ nowMs: nowMs + skewMs }), { audience })).issuedAtMs,
    nowMs + skewMs,
  );
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ nowMs: nowMs + skewMs + 1_000 }), { audience }),
    'unauthenticated',
    'PRESENTATION_NOT_YET_VALID',
  );
});

test('verifier time - a presentation from two minutes ago is PRESENTATION_EXPIRED', async () => {
  const fixture = makeFixture();
  await assertRejects(
    () => fixture.verifier.verify(fixture.present({ nowMs: nowMs - 120_000, ttlSeconds: 60 }), { audience }),
    'unauthenticated',
    'PRESENTATION_EXPIRED',
  );
});

for (const credentialCacheSize of [10_000, 0]) {
  const cache = credentialCacheSize === 0 ? 'without' : 'with';
  test(`verifier time - ${cache} the credential cache a credential is accepted until exp plus skew, then CREDENTIAL_EXPIRED`, async () => {
    const fixture = makeFixture({ credentialCacheSize });
    const expiresAtMs = nowMs + dayMs;
    const credential = fixture.issue({ expiresAtMs });
    const presentAt = (atMs: number) =>
      fixture.verifier.verify(fixture.present({ credential, nowMs: atMs }), { audience, nowMs: atMs });
    assert.equal((await presentAt(nowMs)).credentialExpiresAtMs, expiresAtMs);
    assert.equal((await presentAt(expiresAtMs + skewMs - 1)).credentialExpiresAtMs, expiresAtMs);
    await assertRejects(() => presentAt(expiresAtMs + skewMs), 'unauthenticated', 'CREDENTIAL_EXPIRED');
  });

  test(`verifier time - ${cache} the credential cache a credential issued up to skew ahead is accepted, later CREDENTIAL_NOT_YET_VALID`, async () => {
    const fixture = makeFixture({ credentialCacheSize });
    const credential = fixture.issue({ issuedAtMs: nowMs + skewMs });
    assert.equal(
      (await fixture.verifier.verify(fixture.present({ credential }), { audience })).credentialId.length,
      36,
    );
    const early = nowMs - 1_000;
    await assertRejects(
      () => fixture.verifier.verify(fixture.present({ credential, nowMs: early }), { audience, nowMs: early }),
      'unauthenticated',
      'CREDENTIAL_NOT_YET_VALID',
    );
  });
}

test('verifier time - clockSkewMs 0 allows no slack and the now option is the default clock', async () => {
  let clockMs = nowMs;
  const fixture = makeFixture({ clockSkewMs: 0, now: () => clockMs });
  const wire = fixture.present({ ttlSeconds: 10 });
  clockMs = nowMs + 10_000;
  await assertRejects(() => fixture.verifier.verify(wire, { audience }), 'unauthenticated', 'PRESENTATION_EXPIRED');
  clockMs = nowMs + 9_999;
  assert.equal((await fixture.verifier.verify(wire, { audience })).expiresAtMs, nowMs + 10_000);
});
