// How fast a verifier checks presentations, against the floor of one bare ES256 verify with a parsed key.
//   bare: node:crypto ES256 verify of a key-binding JWS (the floor: a warm presentation needs exactly one), called
//         the fastest way (KeyObject, DER signature); bare p1363 options: the { key, dsaEncoding } form, for reference
//   warm: presentations of a credential already verified (credential cache hit), fresh nonce and counter each
//   cold: the same with the credential cache off (issuer and device signatures both checked, device key imported)
//   issue: credentials signed per second
// Each round interleaves the verify loops in 50 ms slices (drift and noisy neighbours hit all alike), then
// times issuance; each figure is the median over rounds.
// Run: ./node_modules/.bin/node bench/verify_presentation.ts
import { generateKeyPairSync, randomUUID, sign, verify, type KeyObject } from 'node:crypto';
import {
  IssuerKeys,
  PresentationVerifier,
  ReplayCache,
  RevocationSet,
  createPresentation,
  issueCredential,
  publicJwkOf,
  type IssueCredentialInput,
} from '@citypass/credential';
import { emit, isFloor, smoke, median, timedLoop, timedLoopAsync, type LoopResult } from './lib.ts';

const bench = 'verify_presentation';
const roundCount = smoke ? 1 : 5;
const slicesPerRound = smoke ? 2 : 10;
const sliceMs = smoke ? 5 : 50;
const issueMs = smoke ? 30 : 300;
const issuer = 'https://id.city.example';
const audience = 'gate:metro:u2-017';

const issuerKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuerJwk = { ...publicJwkOf(issuerKey.publicKey), kid: 'k1', use: 'sig', alg: 'ES256' };
const issuerKeys = new IssuerKeys({ jwks: { keys: [issuerJwk] } });
const signer = { kid: 'k1', privateKey: issuerKey.privateKey };
const credentialInput = (devicePublicKey: KeyObject): IssueCredentialInput => ({
  issuer,
  residentId: randomUUID(),
  credentialId: randomUUID(),
  devicePublicJwk: publicJwkOf(devicePublicKey),
  concession: 'adult',
  plan: 'AOK-PLUS-2026',
  statusIndex: 4711,
  statusUri: `${issuer}/status/1`,
  issuedAtMs: Date.now() - 60_000,
  expiresAtMs: Date.now() + 86_400_000,
});

/** One phone: its credential and a counter that keeps rising across rounds. */
function phone() {
  const device = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const credential = issueCredential(credentialInput(device.publicKey), signer);
  let counter = 0;
  // Flat copies, as a scanner hands them over (createPresentation's concatenation would be flattened in the loop).
  const presentations = (count: number): string[] =>
    Array.from({ length: count }, () =>
      Buffer.from(
        createPresentation({
          credential,
          devicePrivateKey: device.privateKey,
          audience,
          counter: counter++,
          nowMs: Date.now(),
          ttlSeconds: 60,
          amountCap: { amountMinor: 250n, currency: 'EUR' },
        }),
      ).toString('latin1'),
    );
  return { device, presentations };
}

function verifier(credentialCacheSize: number): PresentationVerifier {
  const replayCache = new ReplayCache({ maxEntries: 1_000_000 });
  return new PresentationVerifier({
    issuer,
    issuerKeys,
    revocations: new RevocationSet(),
    replayCache,
    credentialCacheSize,
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

type Total = { ops: number; ms: number };
const rateOf = (total: Total) => (total.ops * 1000) / total.ms;
const add = (total: Total, result: LoopResult) => {
  total.ops += result.ops;
  total.ms += result.elapsedMs;
};

/** One slice of presentation verifications, continuing where the previous slice of this round stopped. */
async function verifySlice(verifierToUse: PresentationVerifier, wires: readonly string[], total: Total): Promise<void> {
  const done = total.ops;
  add(
    total,
    await timedLoopAsync(sliceMs, wires.length - done, (index) =>
      verifierToUse.verify(wires[done + index] ?? '', { audience }),
    ),
  );
}

/** Runs the verify loops in short interleaved slices, so a noisy neighbour slows them all alike. */
async function verifyRound(): Promise<{ bare: number; p1363: number; warm: number; cold: number }> {
  const expectedBareOps =
    (timedLoop(sliceMs, Number.POSITIVE_INFINITY, bareVerify).opsPerSecond * slicesPerRound * sliceMs) / 1000;
  // Presentations are signed before timing: enough for the round at the bare rate, which neither path can beat.
  const warmWires = warmPhone.presentations(Math.ceil(expectedBareOps * 1.1));
  const coldWires = coldPhone.presentations(Math.ceil(expectedBareOps * 0.6));
  const bare = { ops: 0, ms: 0 };
  const p1363 = { ops: 0, ms: 0 };
  const warm = { ops: 0, ms: 0 };
  const cold = { ops: 0, ms: 0 };
  for (let slice = 0; slice < slicesPerRound; slice += 1) {
    add(bare, timedLoop(sliceMs, Number.POSITIVE_INFINITY, bareVerify));
    add(p1363, timedLoop(sliceMs / 2, Number.POSITIVE_INFINITY, p1363Verify));
    await verifySlice(warmVerifier, warmWires, warm);
    await verifySlice(coldVerifier, coldWires, cold);
  }
  return { bare: rateOf(bare), p1363: rateOf(p1363), warm: rateOf(warm), cold: rateOf(cold) };
}

function issueRate(): number {
  const input = credentialInput(warmPhone.device.publicKey);
  const issueOne = (index: number) =>
    issueCredential({ ...input, credentialId: `${input.credentialId}-${index}` }, signer);
  return timedLoop(issueMs, Number.POSITIVE_INFINITY, issueOne).opsPerSecond;
}

const rounds = Array.from({ length: roundCount }, () => ({ bare: 0, p1363: 0, warm: 0, cold: 0, issue: 0 }));
for (const round of rounds) {
  Object.assign(round, await verifyRound(), { issue: issueRate() });
}
const medianOf = (pick: (round: (typeof rounds)[number]) => number) => median(rounds.map(pick));
const bare = medianOf((round) => round.bare);
const perSecond = (value: number) => Math.round(value);
emit({ bench, metric: 'bare_es256_verify_ops_per_s', value: perSecond(bare), unit: 'ops/s', ...isFloor });
emit({
  bench,
  metric: 'bare_es256_verify_p1363_options_ops_per_s',
  value: perSecond(medianOf((round) => round.p1363)),
  unit: 'ops/s',
  ...isFloor,
});
// A warm verifier checks one signature per presentation (the device's; the credential is cached), a cold one two.
emit({
  bench,
  metric: 'warm_ops_per_s',
  value: perSecond(medianOf((round) => round.warm)),
  unit: 'ops/s',
  floor: perSecond(bare),
  floor_is: 'one bare ES256 verify',
});
emit({
  bench,
  metric: 'cold_ops_per_s',
  value: perSecond(medianOf((round) => round.cold)),
  unit: 'ops/s',
  floor: perSecond(bare / 2),
  floor_is: "two bare ES256 verifies (the issuer's and the device's)",
});
emit({
  bench,
  metric: 'issue_ops_per_s',
  value: perSecond(medianOf((round) => round.issue)),
  unit: 'ops/s',
  floor: null,
  floor_missing: 'no bare ES256 sign is measured in this bench (bench/identity_issuance.ts measures one)',
});
emit({
  bench,
  metric: 'qr_payload_bytes',
  value: Buffer.byteLength(bareWire),
  unit: 'bytes',
  floor: null,
  floor_missing: 'a size, not a cost: DESIGN.md budgets under 1,000 bytes',
});
