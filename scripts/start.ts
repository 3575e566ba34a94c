// `npm start`: runs the gateway's services on this machine for development. Uses PostgreSQL and NATS at their
// usual local addresses (override with DATABASE_ADMIN_URL and NATS_URL); one that is installed but not running is
// started from its binaries with its data in the user's data directory and stopped with this script, and one that
// is missing ends the script with the command that installs it (scripts/start_servers.ts). Creates each service's
// database if it is missing, and keeps generated development secrets in ~/.config/citypass/dev.env
// (CITYPASS_DEV_ENV overrides) so restarts, and other checkouts on this machine that share these databases, keep
// working with them.
// Transit is a city service like any other: once identity answers, this script onboards it (idempotently, with a
// key kept in the same file) to get its client secret, then starts it; it also onboards a gate fleet client for
// the gate simulator. Health billing is onboarded the same way (adjudicate: and refund: on the wallet), with a
// development key ring for the medical details it seals, and the health billing sample (scripts/health_sample.ts:
// a clinic, the city health fund, codes, fees and a plan) is put in place with the clinic's and fund's secrets in
// ~/.config/citypass/health.env.
// Production deployments set every variable themselves (deploy/k8s).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { devEnvPath, readDevEnv } from '@citypass/platform/dev_env';
import { identityReasons } from '@citypass/contracts';
import { isDomainError } from '@citypass/platform/errors';
import { generateKeyRingText } from '@citypass/platform/key_ring';
import { systemLookup } from '@citypass/platform/local_servers';
import { commonReasons } from '@citypass/platform/reasons';
import {
  everyGate,
  gatewayAddresses,
  identityAsOperator,
  transitAsOperator,
  type Gateway,
} from '../packages/cli/src/gateway.ts';
import { sampleClinicId } from '../services/health-billing/src/domain/sample.ts';
import { sampleFundId, setUpHealthSample } from './health_sample.ts';
import { dataDirectory, startServers, StartProblem, thisSystem, type RunningServer } from './start_servers.ts';
import { serviceArgs, serviceEnvironment } from '../deploy/node_flags.ts';
import { staleBuild } from './build_inputs.ts';

const root = join(import.meta.dirname, '..');
// The services run from dist/ (`npm start` builds it first); run directly, this script says when it is stale.
const stale = staleBuild(root);
if (stale !== undefined) {
  process.stderr.write(`dist/ is not up to date (${stale}): run \`npm run build\` or \`npm start\`\n`);
  process.exit(1);
}
const dataDir = dataDirectory();
const servers = await serversOrExit();
const adminUrl = servers.postgres.url;
const natsUrl = servers.nats.url;

const service = (name: string, metricsPort: string) => ({
  name,
  // A plain identifier: citypass_health_billing, as health billing's default DATABASE_URL names it.
  database: `citypass_${name.replaceAll('-', '_')}`,
  metricsPort,
});
const services = [service('identity', '9464'), service('wallet', '9465')];
const transit = service('transit', '9466');
const healthBilling = service('health-billing', '9467');
const operatorConsole = service('console', '9468');
const consoleUrl = 'http://127.0.0.1:7500';

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
  return readDevEnv(file);
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
let stopping: Promise<void> | undefined;
/** Stops the services, then the servers this script started (servers it found running are left alone). */
function stopEverything(): Promise<void> {
  stopping ??= (async () => {
    await Promise.all(children.map(stopChild));
    await servers.nats.stop();
    await servers.postgres.stop();
  })();
  return stopping;
}
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void stopEverything().then(() => process.exit());
  });
}
const secretsFile = devEnvPath();
const secrets = devSecrets(secretsFile);
/** A value kept in the dev secrets file (a secret added after the first ones, an idempotency key, a date), made by
 * `make` the first time. */
function kept(name: string, make: () => string): string {
  let value = secrets[name];
  if (value === undefined) {
    value = make();
    appendFileSync(secretsFile, `${name}=${value}\n`);
    secrets[name] = value;
  }
  return value;
}
kept('HEALTH_BILLING_DATA_KEYS', () => `dev1:${randomBytes(32).toString('base64url')}`);
// The console is identity's OIDC client; its development operator `admin` signs in with this password.
kept('IDENTITY_CONSOLE_CLIENT_SECRET', () => randomBytes(32).toString('base64url'));
// The console's replicas share operator sessions in a NATS KV bucket, sealed under this key ring.
kept('CONSOLE_SESSION_KEYS', () => generateKeyRingText('dev1'));
const devAdminPassword = kept('CONSOLE_DEV_ADMIN_PASSWORD', () => randomBytes(18).toString('base64url'));

async function run(
  entry: (typeof services)[number],
  extraEnv: Record<string, string> = {},
  options: { database: boolean } = { database: true },
): Promise<void> {
  const databaseUrl = options.database ? await ensureDatabase(entry.database) : '';
  const child = spawn(process.execPath, serviceArgs(entry.name, root), {
    stdio: 'inherit',
    env: {
      ...process.env,
      ...serviceEnvironment,
      ...secrets,
      ...extraEnv,
      NATS_URL: natsUrl,
      METRICS_PORT: entry.metricsPort,
      ...(options.database ? { [`${entry.name.toUpperCase().replaceAll('-', '_')}_DATABASE_URL`]: databaseUrl } : {}),
    },
  });
  child.on('exit', (code, signal) => {
    process.stderr.write(`${entry.name} exited (${signal ?? String(code)})\n`);
    process.exitCode = code ?? 1;
    void stopEverything();
  });
  children.push(child);
}

/** The local gateway, signed in as the development operator (the CLI's own clients). */
function operatorGateway(): Gateway {
  return {
    ...gatewayAddresses({}),
    operatorClientId: 'operator',
    operatorClientSecret: secrets.IDENTITY_OPERATOR_CLIENT_SECRET ?? '',
  };
}

/** The service is not up yet (a DomainError, or a bare gRPC UNAVAILABLE from a connection refused). */
function isUnavailable(error: unknown): boolean {
  return isDomainError(error) ? error.kind === 'unavailable' : (error as { code?: unknown }).code === 14;
}

/**
 * Onboards a city service once and returns its client secret: the idempotency key is kept in the dev secrets file,
 * and the same key returns the same answer (secret included) on every later start.
 */
async function onboard(name: string, displayName: string, extraScopes: string[]): Promise<string> {
  const key = kept(`${name.toUpperCase().replaceAll('-', '_')}_ONBOARDING_KEY`, () => randomBytes(16).toString('hex'));
  const identity = identityAsOperator(operatorGateway());
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const onboarded = await identity.onboardService({
          idempotencyKey: key,
          name,
          displayName,
          contactEmail: `ops@${name}.example`,
          extraScopes,
          jwksJson: '',
          location: undefined,
        });
        return onboarded.clientSecret;
      } catch (error) {
        // Identity may still be starting; any other answer is final.
        if (attempt >= 60 || !isUnavailable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    identity.close();
  }
}

/**
 * Makes the development operator `admin` (role admin) once, with the password kept in the dev secrets file; the
 * idempotency key kept there too answers the same on every later start.
 */
async function ensureDevAdmin(): Promise<void> {
  const key = kept('CONSOLE_DEV_ADMIN_KEY', () => randomBytes(16).toString('hex'));
  const identity = identityAsOperator(operatorGateway());
  try {
    await identity.createOperator({
      idempotencyKey: key,
      username: 'admin',
      roles: [OperatorRole.OPERATOR_ROLE_ADMIN],
      password: devAdminPassword,
      merchant: '',
      department: '',
    });
  } catch (error) {
    // An `admin` made another way (another checkout sharing these databases) keeps its own password.
    if (!isDomainError(error) || error.reason !== identityReasons.OPERATOR_EXISTS) throw error;
    process.stderr.write('citypass: an operator "admin" exists already; its password is not the one in the dev file\n');
  } finally {
    identity.close();
  }
}

/** Hands every gate of the network to a gate client, through transit's operator API. */
async function assignAllGates(clientId: string): Promise<void> {
  const transitClient = transitAsOperator(operatorGateway());
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        const gates = await everyGate(transitClient);
        await transitClient.assignGates({
          reason: 'npm start: the development gates',
          clientId,
          gateIds: gates.map((gate) => gate.gateId),
        });
        return;
      } catch (error) {
        if (attempt >= 120 || !isUnavailable(error)) throw error;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  } finally {
    transitClient.close();
  }
}

/**
 * Transit's scopes: settle: and refund: for settlement, read: for its reconciliation with the wallet (`npm run
 * reconcile -w @citypass/transit`, which reads transit's holds and can move no money). A development setup onboarded
 * before read: was added keeps its client (identity changes no scopes of an onboarded service, and the key kept in
 * the dev secrets file answers only its first request): transit runs, and the reconciliation needs fresh databases.
 */
async function onboardTransit(): Promise<string> {
  try {
    return await onboard('transit', 'Metro', ['settle:transit', 'refund:transit', 'read:transit']);
  } catch (error) {
    if (!isDomainError(error) || error.reason !== commonReasons.IDEMPOTENCY_KEY_REUSED) throw error;
    process.stderr.write(
      `citypass: transit was onboarded without read:transit; its reconciliation needs fresh databases (and ${secretsFile})\n`,
    );
    return onboard('transit', 'Metro', ['settle:transit', 'refund:transit']);
  }
}

try {
  for (const entry of services) await run(entry);
  await run(transit, { TRANSIT_CLIENT_SECRET: await onboardTransit() });
  await ensureDevAdmin();
  // A gate fleet client for the gate simulator, operating every gate (README: "Try a gate").
  const gateEnv = join(dirname(secretsFile), 'gate.env');
  writeFileSync(
    gateEnv,
    `GATE_CLIENT_ID=gates-dev\nGATE_CLIENT_SECRET=${await onboard('gates-dev', 'Development gates', ['gate:gates-dev'])}\nNATS_URL=${natsUrl}\n`,
    { mode: 0o600 },
  );
  await assignAllGates('gates-dev');
  await run(healthBilling, {
    HEALTH_BILLING_CLIENT_SECRET: await onboard('health-billing', 'Health billing', [
      'adjudicate:health-billing',
      'refund:health-billing',
    ]),
  });
  const healthEnv = join(dirname(secretsFile), 'health.env');
  await setUpHealthSample({ onboard, kept, operatorSecret: secrets.IDENTITY_OPERATOR_CLIENT_SECRET ?? '' }, healthEnv);
  // The operators' console: identity's OIDC client, keeping no data of its own (no database; its sessions are in a
  // NATS KV bucket, sealed under CONSOLE_SESSION_KEYS from the secrets file).
  await run(
    operatorConsole,
    { CONSOLE_CLIENT_SECRET: secrets.IDENTITY_CONSOLE_CLIENT_SECRET ?? '', CONSOLE_PUBLIC_URL: consoleUrl },
    { database: false },
  );
  process.stderr.write(startedMessage({ gateEnv, healthEnv, planFrom: secrets.HEALTH_SAMPLE_PLAN_FROM ?? '' }));
} catch (error) {
  // Do not leave the services, or the servers started for them, running without the script that owns them.
  await stopEverything();
  throw error;
}

/** PostgreSQL and NATS, found running or started here; what cannot be done ends the script with one line each. */
async function serversOrExit(): Promise<{ postgres: RunningServer; nats: RunningServer }> {
  try {
    return await startServers({
      postgresUrl: process.env.DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
      postgresUrlSet: process.env.DATABASE_ADMIN_URL !== undefined,
      natsUrl: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
      dataDir,
      lookup: systemLookup(),
      system: thisSystem(),
    });
  } catch (error) {
    if (!(error instanceof StartProblem)) throw error;
    for (const line of error.lines) process.stderr.write(`citypass: ${line}\n`);
    process.exit(1);
  }
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => {
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Where a server is and who runs it. */
function serverLine(server: RunningServer, what: string): string {
  const who = server.startedHere
    ? `started by npm start, ${what} in ${server.dataDir ?? ''}; stops with it`
    : server.dataDir === undefined
      ? 'already running; left alone'
      : `left running by an earlier npm start, ${what} in ${server.dataDir}; left alone`;
  return `${server.url} (${who})${server.note === undefined ? '' : `\n                  ${server.note}`}`;
}

/** What a newcomer needs once everything runs: where each service answers, where the secrets are, what to try. */
function startedMessage(files: { gateEnv: string; healthEnv: string; planFrom: string }): string {
  return `
citypass is running (Ctrl-C stops every service, and the servers npm start started):
  identity        OIDC http://127.0.0.1:7100 (discovery: /.well-known/openid-configuration), gRPC 127.0.0.1:7101
  wallet          gRPC 127.0.0.1:7200
  transit         gRPC 127.0.0.1:7300
  health-billing  gRPC 127.0.0.1:7400 (sample clinic ${sampleClinicId}, fund ${sampleFundId}; its plan covers visits from ${files.planFrom})
  console         ${consoleUrl} (sign in as admin with CONSOLE_DEV_ADMIN_PASSWORD from ${secretsFile})
  metrics         http://127.0.0.1:9464/metrics (identity), :9465 (wallet), :9466 (transit), :9467 (health-billing), :9468 (console)
  PostgreSQL      ${serverLine(servers.postgres, 'data')}
                  databases ${[...services, transit, healthBilling].map((s) => s.database).join(', ')}
  NATS            ${serverLine(servers.nats, 'JetStream store')}
  data directory  ${dataDir}
Secrets (0600): ${secretsFile} (operator, keys), ${files.gateEnv} (gate client), ${files.healthEnv} (clinic, health fund)
Next, in another terminal:
  npx citypass demo resident --plan aurelia-health-standard   # a resident on a simulated phone, insured by the sample plan
  set -a; . ${files.gateEnv}; set +a; npm run -s gate-simulator -w @citypass/gate -- --gate-id central-g1 --journal-dir /tmp/gate-central
  echo "in $(npx citypass demo present --audience transit)"   # a presentation: paste the line into the gate simulator
`;
}
