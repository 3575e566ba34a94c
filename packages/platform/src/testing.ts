// Real servers for tests. Each helper prefers a server the environment names, then a container when a Docker
// engine answers, then a server started from the binaries installed on this machine; failing all three it throws
// an error that says what to set or install. Local servers are shared per process and stopped when it exits.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { accessSync, chownSync, constants, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';
import pg from 'pg';
import { DomainError } from './errors.ts';

export interface TestDatabase {
  /** Connection URL of the new, empty database. */
  readonly url: string;
  readonly database: string;
  /** Drops the database, closing any connection still open on it. */
  drop(): Promise<void>;
}

export interface LocalNats {
  readonly url: string;
  readonly port: number;
  readonly storeDir: string;
  stop(): Promise<void>;
  /** Stops the server and starts it again on the same port and store dir: JetStream state survives. */
  restart(): Promise<void>;
}

const startTimeoutMs = 15_000;

/** A name safe for NATS stream names, subjects and PostgreSQL identifiers: lowercase letters, digits, `_`. */
export function uniqueName(prefix: string): string {
  const safe = prefix.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  return `${safe}_${Date.now().toString(36)}${randomBytes(5).toString('hex')}`;
}

/** A TCP port that was free a moment ago on 127.0.0.1 (the caller binds it next; a clash is retried). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => {
        resolve(port);
      });
    });
  });
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
  const binDir = findPostgresBinDir();
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

function findPostgresBinDir(): string | undefined {
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(root).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions
    .map((version) => join(root, version, 'bin'))
    .find((dir) => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres')));
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
  const binDir = findPostgresBinDir();
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
  const asOwner = owner ? { uid: owner.uid, gid: owner.gid } : {};
  await run(
    join(binDir, 'initdb'),
    ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync', '--locale=C'],
    asOwner,
  );
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const child = spawn(
      join(binDir, 'postgres'),
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        'unix_socket_directories=',
        ...Object.entries(settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
      ],
      { ...asOwner, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    try {
      await waitFor(child, 'database system is ready to accept connections', 'postgres');
      cleanUpAtExit(child, dir, 'SIGQUIT');
      return url;
    } catch (error) {
      child.kill('SIGKILL');
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

/** Spawns `nats-server -js` on 127.0.0.1 with its own store dir, and waits until it accepts connections. */
/**
 * `config`: extra nats-server configuration (e.g. an `authorization { users = [...] }` block), written to a file in
 * the store dir and passed with -c; command-line flags still set the address, port and store dir.
 */
export async function startNatsServer(
  options: { port?: number; storeDir?: string; config?: string } = {},
): Promise<LocalNats> {
  const binary = findNatsServer();
  if (binary === undefined) {
    throw new Error(
      'startNatsServer: nats-server not found on PATH or in /usr/sbin, /usr/local/bin. Install it (apt-get install -y nats-server) ' +
        'or set CITYPASS_TEST_NATS_URL to a server started with -js.',
    );
  }
  const ownsStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'citypass-nats-'));
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const candidate = port === 0 ? await freePort() : port;
      const configArgs = options.config === undefined ? [] : ['-c', writeConfig(storeDir, options.config)];
      const next = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(candidate), '-sd', storeDir, ...configArgs], {
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      try {
        await waitFor(next, 'Server is ready', 'nats-server');
        port = candidate;
        child = next;
        cleanUpAtExit(next, ownsStoreDir ? storeDir : undefined, 'SIGKILL');
        return;
      } catch (error) {
        next.kill('SIGKILL');
        // A port chosen by us may have been taken meanwhile: pick another. A fixed port is the caller's.
        if (port !== 0 || attempt >= 3) throw error;
      }
    }
  };
  const stop = async (): Promise<void> => {
    const running = child;
    child = undefined;
    if (running) await terminate(running);
  };

  await start();
  if (ownsStoreDir) {
    process.once('exit', () => {
      if (child === undefined) rmSync(storeDir, { recursive: true, force: true }); // a running one: the watchdog
    });
  }
  return {
    get url() {
      return `nats://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    storeDir,
    stop,
    restart: async () => {
      await stop();
      await start();
    },
  };
}

function findNatsServer(): string | undefined {
  const path = (process.env['PATH'] ?? '').split(':').filter((dir) => dir !== '');
  return [...path, '/usr/sbin', '/usr/local/bin', '/usr/bin'].map((dir) => join(dir, 'nats-server')).find(isExecutable);
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

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** As root, PostgreSQL refuses to run: run it as its own OS user (what `runuser -u postgres --` does). */
function serverOwner(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(
      `testPostgres: running as root needs an OS user "${user}" to run PostgreSQL (useradd --system ${user}).`,
    );
  }
}

function run(file: string, args: string[], options: { uid?: number; gid?: number }): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...options, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-4_000);
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) resolve();
      else reject(new Error(`${file} exited with ${String(code)}: ${stderr}`));
    });
  });
}

/** Resolves when the child writes `ready` to stderr; rejects if it exits or takes too long. */
function waitFor(child: ChildProcess, ready: string, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      fail(new Error(`${what} did not start within ${startTimeoutMs} ms: ${output}`));
    }, startTimeoutMs);
    const onData = (chunk: string): void => {
      output = (output + chunk).slice(-4_000);
      if (output.includes(ready)) finish();
    };
    const onExit = (code: number | null): void => {
      fail(new Error(`${what} exited with ${String(code)}: ${output}`));
    };
    const cleanUp = (): void => {
      clearTimeout(timer);
      child.stderr?.off('data', onData);
      child.off('exit', onExit);
      child.off('error', fail);
    };
    function finish(): void {
      cleanUp();
      child.stderr?.resume(); // keep draining so a chatty server never blocks on a full pipe
      resolve();
    }
    function fail(error: Error): void {
      cleanUp();
      reject(error);
    }
    child.stderr?.setEncoding('utf8').on('data', onData);
    child.once('exit', onExit);
    child.once('error', fail);
  });
}

function terminate(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/**
 * Stops the server when this process ends, however it ends: at a normal exit at once, and through a detached
 * watchdog shell when the process is killed. The watchdog also removes the server's temporary directory.
 */
function cleanUpAtExit(child: ChildProcess, dir: string | undefined, signal: NodeJS.Signals): void {
  const pid = child.pid;
  if (pid === undefined) return;
  child.unref();
  (child.stderr as { unref?: () => void } | null)?.unref?.();
  const script =
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 0.5; done; ' +
    'if kill -0 "$1" 2>/dev/null; then exit 0; fi; ' + // the server stopped by itself (stop() or restart())
    `kill -${signal.replace('SIG', '')} "$2" 2>/dev/null; ` +
    'i=0; while kill -0 "$2" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done; kill -KILL "$2" 2>/dev/null; ' +
    'if [ -n "$3" ]; then rm -rf "$3"; fi';
  const watchdog = spawn('sh', ['-c', script, 'sh', String(process.pid), String(pid), dir ?? ''], {
    detached: true,
    stdio: 'ignore',
  });
  watchdog.unref();
  process.once('exit', () => {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  });
}

function writeConfig(storeDir: string, config: string): string {
  const file = join(storeDir, 'nats-server.conf');
  writeFileSync(file, config, { mode: 0o600 });
  return file;
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
