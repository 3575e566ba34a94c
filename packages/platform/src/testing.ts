// Real servers for tests. Each helper prefers a server the environment names, then a container when a Docker
// engine answers, then a server started from the binaries installed on this machine (platform/local_servers);
// failing all three it throws an error that says what to set or install. Local servers are shared per process and
// stopped when it exits.
import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DomainError } from './errors.ts';
import {
  findPostgresBinDir,
  freePort,
  initPostgresCluster,
  serverOwner,
  startNatsServer,
  startPostgresServer,
  systemLookup,
} from './local_servers.ts';

export { freePort, reservePort, startNatsServer, type LocalNats, type PortReservation } from './local_servers.ts';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  readonly url: string;
  readonly database: string;
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>;
}

/** A name safe for NATS stream names, subjects and PostgreSQL identifiers: lowercase letters, digits, `_`. */
export function uniqueName(prefix: string): string {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${safe}_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

let postgresServer: Promise<string> | undefined;

export async function testPostgres(): Promise<TestDatabase> {
  postgresServer ??= postgresServerUrl();
  let serverUrl: string;
  try {
    serverUrl = await postgresServer;
  } catch (error) {
    postgresServer = undefined;
    throw error;
  }
  const database = uniqueName('citypass_t');
  await adminQuery(serverUrl, `CREATE DATABASE ${database}`);
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return {
    url: url.toString(),
    database,
    drop: () => adminQuery(serverUrl, `DROP DATABASE IF EXISTS ${database} WITH (FORCE)`),
  };
}

async function postgresServerUrl(): Promise<string> {
  const fromEnv = process.env['CITYPASS_TEST_POSTGRES_URL'];
  if (fromEnv) return fromEnv;
  if (await dockerAvailable()) {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const container = await new PostgreSqlContainer('postgres:15-alpine').start();
    return container.getConnectionUri();
  }
  const binDir = findPostgresBinDir(systemLookup());
  if (binDir === undefined) {
    throw new Error(
      'testPostgres: no PostgreSQL server. Set CITYPASS_TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres), ' +
        'start a Docker engine, or install PostgreSQL (apt-get install -y postgresql) so that /usr/lib/postgresql/<version>/bin/initdb exists.',
    );
  }
  return startLocalPostgres(binDir);
}

async function adminQuery(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Fast and not durable: what tests want from a throwaway server. */
const testServerSettings: Readonly<Record<string, string>> = {
  fsync: 'off',
  synchronous_commit: 'off',
  full_page_writes: 'off',
  max_connections: '200',
};

/**
 * A PostgreSQL server of its own, from this machine's binaries (initdb in a temporary directory, a free port),
 * with `settings` as `-c` options (e.g. durable commits and pg_stat_statements for a bench that measures the
 * database's own costs). Stopped, and its directory removed, when this process ends. Returns its admin URL.
 */
export function startPrivatePostgres(settings: Readonly<Record<string, string>>): Promise<string> {
  const binDir = findPostgresBinDir(systemLookup());
  if (binDir === undefined) throw new Error('startPrivatePostgres: no /usr/lib/postgresql/<version>/bin/initdb');
  return startLocalPostgres(binDir, settings);
}

async function startLocalPostgres(
  binDir: string,
  settings: Readonly<Record<string, string>> = testServerSettings,
): Promise<string> {
  const owner = serverOwner('postgres');
  const dir = mkdtempSync(join(tmpdir(), 'citypass-pg-'));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const dataDir = join(dir, 'data');
  await initPostgresCluster(binDir, dataDir, { sync: false });
  for (let attempt = 1; ; attempt++) {
    try {
      const server = await startPostgresServer(binDir, dataDir, {
        port: await freePort(),
        settings,
        shutdown: 'SIGQUIT',
        removeAtExit: dir,
      });
      return server.url;
    } catch (error) {
      // The free port may have been taken meanwhile: pick another.
      if (attempt >= 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------- NATS

let natsServer: Promise<string> | undefined;

export async function testNats(): Promise<{ url: string }> {
  natsServer ??= natsServerUrl();
  try {
    return { url: await natsServer };
  } catch (error) {
    natsServer = undefined;
    throw error;
  }
}

async function natsServerUrl(): Promise<string> {
  const fromEnv = process.env['CITYPASS_TEST_NATS_URL'];
  if (fromEnv) return fromEnv;
  if (await dockerAvailable()) {
    const { NatsContainer } = await import('@testcontainers/nats');
    const container = await new NatsContainer('nats:2.10-alpine').withJetStream().start();
    return `nats://${container.getHost()}:${container.getMappedPort(4222)}`;
  }
  return (await startNatsServer()).url;
}

// ------------------------------------------------------------------------------------------------- helpers

let dockerProbe: Promise<boolean> | undefined;

function dockerAvailable(): Promise<boolean> {
  dockerProbe ??= import('testcontainers').then(
    ({ getContainerRuntimeClient }) =>
      getContainerRuntimeClient().then(
        () => true,
        () => false,
      ),
    () => false,
  );
  return dockerProbe;
}

/** The kind and reason a call was refused with; fails the test if it succeeded or failed without a DomainError. */
/** How a call ended, as one comparable string: "OK", or "<kind>:<reason>" for a DomainError. */
export async function outcomeOf(call: Promise<unknown>): Promise<string> {
  try {
    await call;
    return 'OK';
  } catch (error) {
    return error instanceof DomainError ? `${error.kind}:${error.reason}` : String(error);
  }
}

export async function refusalOf(call: Promise<unknown>): Promise<{ kind: string; reason: string }> {
  try {
    await call;
  } catch (error) {
    assert.ok(error instanceof DomainError, String(error));
    return { kind: error.kind, reason: error.reason };
  }
  assert.fail('the call succeeded');
}
