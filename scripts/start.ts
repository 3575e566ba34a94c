// `npm start`: runs the gateway's services on this machine for development. Uses PostgreSQL and NATS at their
// usual local addresses (override with DATABASE_ADMIN_URL and NATS_URL), creates each service's database if it
// is missing, and keeps generated development secrets in ~/.config/citypass/dev.env (CITYPASS_DEV_ENV overrides)
// so restarts, and other checkouts on this machine that share these databases, keep working with them.
// Production deployments set every variable themselves (deploy/k8s).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import pg from 'pg';

const root = join(import.meta.dirname, '..');
const adminUrl = process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const natsUrl = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

const services = [
  { name: 'identity', database: 'citypass_identity', entry: 'services/identity/src/main.ts', telemetry: 'services/identity/src/telemetry.ts', metricsPort: '9464' },
  { name: 'wallet', database: 'citypass_wallet', entry: 'services/wallet/src/main.ts', telemetry: 'services/wallet/src/telemetry.ts', metricsPort: '9465' },
];

function devSecrets(file: string): Record<string, string> {
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true });
    const secret = (): string => randomBytes(32).toString('base64url');
    const lines = [
      `IDENTITY_KEY_ENCRYPTION_KEY=${secret()}`,
      `IDENTITY_COOKIE_KEYS=${secret()}`,
      `IDENTITY_OPERATOR_CLIENT_SECRET=${secret()}`,
    ];
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
  }
  return Object.fromEntries(
    readFileSync(file, 'utf8').split('\n').filter(Boolean).map((line) => {
      const at = line.indexOf('=');
      return [line.slice(0, at), line.slice(at + 1)];
    }),
  );
}

async function ensureDatabase(name: string): Promise<string> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const children: ChildProcess[] = [];
const secretsFile = process.env.CITYPASS_DEV_ENV ?? join(homedir(), '.config', 'citypass', 'dev.env');
const secrets = devSecrets(secretsFile);
for (const service of services) {
  const databaseUrl = await ensureDatabase(service.database);
  const child = spawn(process.execPath, ['--import', join(root, service.telemetry), join(root, service.entry)], {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...secrets,
      NATS_URL: natsUrl,
      METRICS_PORT: service.metricsPort,
      [`${service.name.toUpperCase()}_DATABASE_URL`]: databaseUrl,
    },
  });
  child.on('exit', (code, signal) => {
    process.stderr.write(`${service.name} exited (${signal ?? String(code)})\n`);
    for (const other of children) other.kill('SIGTERM');
    process.exitCode = code ?? 1;
  });
  children.push(child);
}
process.stderr.write(`citypass: started ${services.map((s) => s.name).join(', ')}; development secrets are in ${secretsFile}\n`);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { for (const child of children) child.kill('SIGTERM'); });
}
