// How fast a verifier checks presentations, against the floor of one bare ES256 verify with a parsed key.
//   bare: node:crypto ES256 verify of a key-binding JWS (the floor: a warm presentation needs exactly one)
//   warm: presentations of a credential already verified (credential cache hit), fresh nonce and counter each
//   cold: the same with the credential cache off (issuer and device signatures both checked, device key imported)
//   issue: credentials signed per second
// Each round interleaves the three verify loops in 50 ms slices (drift and noisy neighbours hit all alike), then
// times issuance; each figure is the median over rounds.
// Run: ./node_modules/.bin/node bench/verify_presentation.ts
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import {
  IssuerKeys, PresentationVerifier, ReplayCache, RevocationSet, createPresentation, issueCredential, publicJwkOf,
  type IssueCredentialInput,
} from '@citypass/credential';
import { emit, median, timedLoop, timedLoopAsync, type LoopResult } from './lib.ts';

const bench = 'verify_presentation';
const rounds = 5;
const slicesPerRound = 10;
const sliceMs = 50;
const issueMs = 300;
const issuer = 'https://id.city.example';
const audience = 'gate:metro:u2-017';

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuerKeys = new IssuerKeys({ jwks: { keys: [{ ...publicJwkOf(issuerKey.publicKey), kid: 'k1', use: 'sig', alg: 'ES256' }] } });
const signer = { kid: 'k1', privateKey: issuerKey.privateKey };
const credentialInput = (devicePublicKey: KeyObject): IssueCredentialInput => ({
  issuer, residentId: randomUUID(), credentialId: randomUUID(), devicePublicJwk: publicJwkOf(devicePublicKey),
  concession: 'adult', plan: 'AOK-PLUS-2026', statusIndex: 4711, statusUri: `${issuer}/status/1`,
  issuedAtMs: Date.now() - 60_000, expiresAtMs: Date.now() + 86_400_000,
});

/** One phone: its credential and a counter that keeps rising across rounds. */
function phone() {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credential = issueCredential(credentialInput(device.publicKey), signer);
  let counter = 0;
  // Flat copies, as a scanner hands them over (createPresentation's concatenation would be flattened in the loop).
  const presentations = (count: number): string[] =>
    Array.from({ length: count }, () => Buffer.from(createPresentation({
      credential, devicePrivateKey: device.privateKey, audience, counter: counter++, nowMs: Date.now(), ttlSeconds: 60,
      amountCap: { amountMinor: 250n, currency: 'EUR' },
    })).toString('latin1'));
  return { device, presentations };
}

function verifier(credentialCacheSize: number): PresentationVerifier {
  return new PresentationVerifier({
    issuer, issuerKeys, revocations: new RevocationSet(), replayCache: new ReplayCache({ maxEntries: 1_000_000 }), credentialCacheSize,
  });
}

// The floor: exactly the verify a warm presentation needs, on a real key-binding JWS, done the fastest way node:crypto
// offers (bare KeyObject, DER signature). For reference also the { key, dsaEncoding: 'ieee-p1363' } call form.
const bareSample = phone();
const [bareWire = ''] = bareSample.presentations(1);
const keyBinding = bareWire.slice(bareWire.indexOf('~') + 1);
const bareInput = Buffer.from(keyBinding.slice(0, keyBinding.lastIndexOf('.')));
const bareP1363 = Buffer.from(keyBinding.slice(keyBinding.lastIndexOf('.') + 1), 'base64url');
const bareDer = sign('sha256', bareInput, bareSample.device.privateKey);
const bareVerify = () => {
  if (!verify('sha256', bareInput, bareSample.device.publicKey, bareDer)) throw new Error('bare verify failed');
};
const p1363Options = { key: bareSample.device.publicKey, dsaEncoding: 'ieee-p1363' } as const;
const p1363Verify = () => {
  if (!verify('sha256', bareInput, p1363Options, bareP1363)) throw new Error('p1363 verify failed');
};

const warmPhone = phone();
const coldPhone = phone();
const warmVerifier = verifier(10_000);
const coldVerifier = verifier(0);
await warmVerifier.verify(warmPhone.presentations(1)[0] ?? '', { audience }); // the credential is cached from here on

/** Runs the three verify loops in short interleaved slices, so a noisy neighbour slows all three alike. */
async function verifyRound(): Promise<{ bare: number; p1363: number; warm: number; cold: number }> {
  const expectedBare = timedLoop(sliceMs, Number.POSITIVE_INFINITY, bareVerify).opsPerSecond;
  // Presentations are signed before timing: enough for the round at the bare rate, which neither path can beat.
  const warmWires = warmPhone.presentations(Math.ceil((expectedBare * slicesPerRound * sliceMs * 1.1) / 1000));
  const coldWires = coldPhone.presentations(Math.ceil((expectedBare * slicesPerRound * sliceMs * 0.6) / 1000));
  const totals = { bare: { ops: 0, ms: 0 }, p1363: { ops: 0, ms: 0 }, warm: { ops: 0, ms: 0 }, cold: { ops: 0, ms: 0 } };
  const add = (total: { ops: number; ms: number }, result: LoopResult) => {
    total.ops += result.ops;
    total.ms += result.elapsedMs;
  };
  for (let slice = 0; slice < slicesPerRound; slice += 1) {
    add(totals.bare, timedLoop(sliceMs, Number.POSITIVE_INFINITY, bareVerify));
    add(totals.p1363, timedLoop(sliceMs / 2, Number.POSITIVE_INFINITY, p1363Verify));
    const warmDone = totals.warm.ops;
    add(totals.warm, await timedLoopAsync(sliceMs, warmWires.length - warmDone, (index) => warmVerifier.verify(warmWires[warmDone + index] ?? '', { audience })));
    const coldDone = totals.cold.ops;
    add(totals.cold, await timedLoopAsync(sliceMs, coldWires.length - coldDone, (index) => coldVerifier.verify(coldWires[coldDone + index] ?? '', { audience })));
  }
  const rate = (total: { ops: number; ms: number }) => (total.ops * 1000) / total.ms;
  return { bare: rate(totals.bare), p1363: rate(totals.p1363), warm: rate(totals.warm), cold: rate(totals.cold) };
}

const results = { bare: [] as number[], p1363: [] as number[], warm: [] as number[], cold: [] as number[], issue: [] as number[], warmRatio: [] as number[], coldRatio: [] as number[] };
for (let round = 0; round < rounds; round += 1) {
  const { bare, p1363, warm, cold } = await verifyRound();
  const issueInput = credentialInput(warmPhone.device.publicKey);
  const issue = timedLoop(issueMs, Number.POSITIVE_INFINITY, (index) => issueCredential({ ...issueInput, credentialId: `${issueInput.credentialId}-${index}` }, signer)).opsPerSecond;
  results.bare.push(bare);
  results.p1363.push(p1363);
  results.warm.push(warm);
  results.cold.push(cold);
  results.issue.push(issue);
  results.warmRatio.push(warm / bare);
  results.coldRatio.push(cold / bare);
}

emit({ bench, metric: 'bare_es256_verify_ops_per_s', value: Math.round(median(results.bare)), unit: 'ops/s' });
emit({ bench, metric: 'bare_es256_verify_p1363_options_ops_per_s', value: Math.round(median(results.p1363)), unit: 'ops/s' });
emit({ bench, metric: 'warm_ops_per_s', value: Math.round(median(results.warm)), unit: 'ops/s' });
emit({ bench, metric: 'cold_ops_per_s', value: Math.round(median(results.cold)), unit: 'ops/s' });
emit({ bench, metric: 'warm_to_bare', value: Number(median(results.warmRatio).toFixed(3)), unit: 'ratio' });
emit({ bench, metric: 'cold_to_bare', value: Number(median(results.coldRatio).toFixed(3)), unit: 'ratio' });
emit({ bench, metric: 'issue_ops_per_s', value: Math.round(median(results.issue)), unit: 'ops/s' });
emit({ bench, metric: 'qr_payload_bytes', value: Buffer.byteLength(bareWire), unit: 'bytes' });
