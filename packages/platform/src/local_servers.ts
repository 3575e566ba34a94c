// PostgreSQL and nats-server started from the binaries installed on this machine, as child processes of the one
// that asks: the tests' throwaway servers (platform/testing) and `npm start`'s servers in the user's data directory
// (scripts/start_servers.ts). A server started here is stopped when its parent ends, however it ends.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import {
  accessSync,
  chownSync,
  constants,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Where to look for server binaries: the PATH's directories, then the usual install places. */
export interface BinaryLookup {
  readonly path: readonly string[];
  /** Debian's versioned PostgreSQL installs: `<root>/<version>/bin/initdb`. */
  readonly postgresRoot: string;
  /** Where packages put nats-server outside the PATH of a normal user. */
  readonly natsDirs: readonly string[];
}

/** This machine's lookup: PATH (from `env`), /usr/lib/postgresql, /usr/sbin, /usr/local/bin, /usr/bin. */
export function systemLookup(env: NodeJS.ProcessEnv = process.env): BinaryLookup {
  return {
    path: (env.PATH ?? '').split(':').filter((dir) => dir !== ''),
    postgresRoot: '/usr/lib/postgresql',
    natsDirs: ['/usr/sbin', '/usr/local/bin', '/usr/bin'],
  };
}

export interface LocalServer {
  readonly url: string;
  readonly port: number;
  /** Stops the server and waits until it has exited. */
  stop(): Promise<void>;
}

export interface LocalNats extends LocalServer {
  readonly storeDir: string;
  /** Stops the server and starts it again on the same port and store dir: JetStream state survives. */
  restart(): Promise<void>;
}

const startTimeoutMs = 15_000;

/** A TCP port that was free a moment ago on 127.0.0.1 (the caller binds it next; a clash is retried). */
export async function freePort(): Promise<number> {
  const reservation = await reservePort();
  await reservation.release();
  return reservation.port;
}

/** A port held on 127.0.0.1 until `release`: for a server whose address others must know long before it starts. */
export interface PortReservation {
  readonly port: number;
  /** Frees the port for its server, which should bind it next. */
  release(): Promise<void>;
}

/**
 * A free port kept bound until released. With freePort, a port handed out early (the console's, which identity must
 * know as a redirect URI before the console starts) stayed free for seconds, and another test's listen(0) could take
 * it meanwhile.
 */
export function reservePort(): Promise<PortReservation> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      resolve({
        port,
        release: () =>
          new Promise((released) => {
            server.close(() => {
              released();
            });
          }),
      });
    });
  });
}

/** Whether `port` can be bound on 127.0.0.1 right now. */
export function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => {
      resolve(false);
    });
    server.listen(port, '127.0.0.1', () =>
      server.close(() => {
        resolve(true);
      }),
    );
  });
}

// ---------------------------------------------------------------------------------------------- PostgreSQL

/** The directory holding initdb and postgres: the PATH first (Homebrew, symlinks), then the newest Debian version. */
export function findPostgresBinDir(lookup: BinaryLookup): string | undefined {
  const hasServer = (dir: string): boolean => isExecutable(join(dir, 'initdb')) && isExecutable(join(dir, 'postgres'));
  const onPath = lookup.path.find(hasServer);
  if (onPath !== undefined) return dirname(realpathSync(join(onPath, 'initdb')));
  let versions: string[];
  try {
    versions = readdirSync(lookup.postgresRoot).filter((name) => /^\d+(\.\d+)?$/.test(name));
  } catch {
    return undefined;
  }
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  return versions.map((version) => join(lookup.postgresRoot, version, 'bin')).find(hasServer);
}

/**
 * Makes a new cluster in `dataDir` (created if missing): superuser postgres, trust for local connections only
 * (the server listens on 127.0.0.1 alone). `sync: false` skips fsync, for throwaway test servers.
 */
export async function initPostgresCluster(binDir: string, dataDir: string, options: { sync: boolean }): Promise<void> {
  const owner = serverOwner('postgres');
  mkdirSync(dirname(dataDir), { recursive: true }); // reachable by the server's owner; the cluster itself is not
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  if (owner) chownSync(dataDir, owner.uid, owner.gid);
  await runToEnd(
    join(binDir, 'initdb'),
    [
      '-D',
      dataDir,
      '-U',
      'postgres',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--locale=C',
      ...(options.sync ? [] : ['--no-sync']),
    ],
    owner ?? {},
  );
}

/**
 * Starts `postgres` on the cluster in `dataDir`, listening on 127.0.0.1:`port` only (no Unix socket), with
 * `settings` as `-c` options; resolves once it accepts connections. `shutdown`: the signal that stops it (SIGINT
 * for a fast, clean shutdown of a cluster that is kept; SIGQUIT for a throwaway one); `removeAtExit`: a directory
 * to delete once it has stopped.
 */
export async function startPostgresServer(
  binDir: string,
  dataDir: string,
  options: {
    port: number;
    settings: Readonly<Record<string, string>>;
    shutdown: NodeJS.Signals;
    removeAtExit?: string;
  },
): Promise<LocalServer> {
  const owner = serverOwner('postgres');
  const child = spawn(
    join(binDir, 'postgres'),
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      ...Object.entries(options.settings).flatMap(([name, value]) => ['-c', `${name}=${value}`]),
    ],
    // Its own process group: a Ctrl-C in the terminal reaches the parent, which stops the server after its users.
    { ...(owner ?? {}), detached: true, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  try {
    await waitFor(child, 'database system is ready to accept connections', 'postgres');
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  cleanUpAtExit(child, options.removeAtExit, options.shutdown);
  return {
    url: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    port: options.port,
    stop: () => terminate(child, options.shutdown),
  };
}

// ---------------------------------------------------------------------------------------------------- NATS

export function findNatsServer(lookup: BinaryLookup): string | undefined {
  return [...lookup.path, ...lookup.natsDirs].map((dir) => join(dir, 'nats-server')).find(isExecutable);
}

/**
 * Spawns `nats-server -js` on 127.0.0.1 with its own store dir (a temporary one, removed at exit, unless given),
 * and waits until it accepts connections. `port`: a fixed port, else a free one. `config`: extra nats-server
 * configuration (e.g. an `authorization { users = [...] }` block), written to a file in the store dir and passed
 * with -c; command-line flags still set the address, port and store dir.
 */
export async function startNatsServer(
  options: { port?: number; storeDir?: string; config?: string; lookup?: BinaryLookup } = {},
): Promise<LocalNats> {
  const binary = findNatsServer(options.lookup ?? systemLookup());
  if (binary === undefined) {
    throw new Error(
      'startNatsServer: nats-server not found on PATH or in /usr/sbin, /usr/local/bin. Install it (apt-get install -y nats-server) ' +
        'or set CITYPASS_TEST_NATS_URL to a server started with -js.',
    );
  }
  const ownsStoreDir = options.storeDir === undefined;
  const storeDir = options.storeDir ?? mkdtempSync(join(tmpdir(), 'citypass-nats-'));
  mkdirSync(storeDir, { recursive: true });
  let port = options.port ?? 0;
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      const candidate = port === 0 ? await freePort() : port;
      const configArgs = options.config === undefined ? [] : ['-c', writeConfig(storeDir, options.config)];
      const next = spawn(binary, ['-js', '-a', '127.0.0.1', '-p', String(candidate), '-sd', storeDir, ...configArgs], {
        detached: true,
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
    if (running) await terminate(running, 'SIGTERM');
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

// ------------------------------------------------------------------------------------------------- helpers

export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** As root, PostgreSQL refuses to run: run it as its own OS user (what `runuser -u postgres --` does). */
export function serverOwner(user: string): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', user], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', user], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error(`running as root needs an OS user "${user}" to run PostgreSQL (useradd --system ${user}).`);
  }
}

function runToEnd(file: string, args: string[], options: { uid?: number; gid?: number }): Promise<void> {
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

function terminate(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    child.kill(signal);
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
