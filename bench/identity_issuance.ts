// Credential issuance end to end: a real identity (in this process) on PostgreSQL and a local nats-server; each
// issuance is what a phone does: POST /challenge for a c_nonce, sign a key proof and a DPoP proof, POST
// /credential. Measured sequentially and with one request in flight per resident, next to the floors measured in
// the same run: an HTTP round trip to the same server, a bare ES256 sign, a bare PostgreSQL INSERT commit.
import { generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import pg from 'pg';
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import { startHarness } from '../services/identity/test/harness.ts';
import { signCompact } from '@citypass/phone';
import { ResidentApp } from '@citypass/phone';
import { emit, isFloor, median, percentile } from './lib.ts';

const bench = 'identity_issuance';
const residents = Number(process.env.BENCH_RESIDENTS ?? 16);
const roundMs = Number(process.env.BENCH_ROUND_MS ?? 2_000);
const rounds = 3;

const h = await startHarness({ LOG_LEVEL: 'error' });
try {
  const phones = await Promise.all(
    Array.from({ length: residents }, async () => {
      const created = await h.operator.createResident({
        idempotencyKey: randomBytes(12).toString('hex'),
        givenName: 'Bench',
        familyName: 'Resident',
        birthDate: '1990-01-01',
        concessionClass: ConcessionClass.CONCESSION_CLASS_ADULT,
        coveragePlanRef: '',
      });
      const app = new ResidentApp(h.issuer);
      return { app, token: await app.enroll(created.enrollmentCode?.code ?? '', 'bench password 123') };
    }),
  );

  const issueOnce = async (phone: (typeof phones)[number]): Promise<number> => {
    const started = performance.now();
    const nonce = ((await (await fetch(`${h.issuer}/challenge`, { method: 'POST' })).json()) as { c_nonce: string })
      .c_nonce;
    const proof = signCompact(
      { typ: 'openid4vci-proof+jwt', alg: 'ES256', jwk: phone.app.deviceKey.publicJwk },
      { aud: h.issuer, iat: Math.floor(Date.now() / 1000), nonce },
      phone.app.deviceKey.privateKey,
    );
    const response = await phone.app.credentialRequest(phone.token, {
      credential_configuration_id: 'citypass_resident',
      proofs: { jwt: [proof] },
    });
    if (response.status !== 200) throw new Error(`issuance failed: ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
    return performance.now() - started;
  };
  const httpOnce = async (): Promise<number> => {
    const started = performance.now();
    await (await fetch(`${h.issuer}/healthz`)).text();
    return performance.now() - started;
  };
  const db = new pg.Client({ connectionString: h.databaseUrl });
  await db.connect();
  await db.query('CREATE TABLE bench_floor (id bigserial PRIMARY KEY, payload text NOT NULL)');
  const insertOnce = async (): Promise<number> => {
    const started = performance.now();
    await db.query({ name: 'floor', text: 'INSERT INTO bench_floor (payload) VALUES ($1)', values: ['x'] });
    return performance.now() - started;
  };

  // Alternate the measurements round by round so a noisy neighbour hits them alike.
  const figures = new Map<string, number[]>();
  const add = (metric: string, value: number): void => {
    figures.set(metric, [...(figures.get(metric) ?? []), value]);
  };
  const [first] = phones;
  if (first === undefined) throw new Error('BENCH_RESIDENTS must be at least 1');
  for (let round = 0; round < rounds; round++) {
    for (const [name, once] of [
      ['http_floor', httpOnce],
      ['pg_insert_floor', insertOnce],
      ['issuance_sequential', () => issueOnce(first)],
    ] as const) {
      const latencies: number[] = [];
      const deadline = performance.now() + roundMs / 2;
      while (performance.now() < deadline) latencies.push(await once());
      add(`${name}_ops_per_s`, latencies.length / (roundMs / 2000));
      add(`${name}_p50_ms`, median(latencies));
      add(`${name}_p99_ms`, percentile(latencies, 99));
    }
    const latencies: number[] = [];
    const deadline = performance.now() + roundMs;
    await Promise.all(
      phones.map(async (phone) => {
        while (performance.now() < deadline) latencies.push(await issueOnce(phone));
      }),
    );
    add('issuance_concurrent_ops_per_s', latencies.length / (roundMs / 1000));
    add('issuance_concurrent_p50_ms', median(latencies));
    add('issuance_concurrent_p99_ms', percentile(latencies, 99));
  }
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signStarted = performance.now();
  let signs = 0;
  while (performance.now() - signStarted < 500) {
    sign('sha256', Buffer.from('floor'), privateKey);
    signs++;
  }
  add('es256_sign_floor_ops_per_s', signs / ((performance.now() - signStarted) / 1000));
  await db.end();

  // The floor of one issuance: its two HTTP round trips (challenge, credential), one PostgreSQL insert and one
  // ES256 signature (the credential), each measured above; the proof's verification is left out (cheaper than a sign).
  const value = (metric: string): number => median(figures.get(metric) ?? []);
  const signMs = 1000 / value('es256_sign_floor_ops_per_s');
  const floorMs = (p: 50 | 99): number => 2 * value(`http_floor_p${p}_ms`) + value(`pg_insert_floor_p${p}_ms`) + signMs;
  const round = (n: number): number => Math.round(n * 100) / 100;
  const floorOf = (metric: string) => {
    if (metric.includes('floor')) return isFloor;
    if (metric.startsWith('issuance_concurrent'))
      return { floor: null, floor_missing: 'no floor is measured with one request in flight per resident' } as const;
    if (metric.endsWith('_ops_per_s')) return { floor: round(1000 / floorMs(50)) };
    return { floor: round(floorMs(metric.endsWith('_p99_ms') ? 99 : 50)) };
  };
  for (const [metric, values] of figures) {
    emit({
      bench,
      metric,
      value: round(median(values)),
      unit: metric.endsWith('_ms') ? 'ms' : 'ops/s',
      rounds: values.length,
      residents,
      ...floorOf(metric),
      ...(metric.startsWith('issuance_sequential')
        ? { floor_is: 'two HTTP round trips, one PostgreSQL insert and one ES256 signature' }
        : {}),
    });
  }
} finally {
  await h.stop();
}
