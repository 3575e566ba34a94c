// The servers `npm start` needs: PostgreSQL and nats-server with JetStream. One that answers at its configured URL
// is used as it is; one that is installed but not running is started from its binaries, keeping its data in the
// user's data directory ($XDG_DATA_HOME/citypass, else ~/.local/share/citypass) so the next start finds it again,
// and stopped when `npm start` stops; one that is missing is a StartProblem naming the command that installs it.
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import {
  findNatsServer,
  findPostgresBinDir,
  freePort,
  initPostgresCluster,
  portIsFree,
  startNatsServer,
  startPostgresServer,
  type BinaryLookup,
} from '@citypass/platform/local_servers';

/** What `npm start` cannot do by itself, in lines a newcomer can act on (one per server). */
export class StartProblem extends Error {
  readonly lines: readonly string[];
  constructor(lines: readonly string[]) {
    super(lines.join('\n'));
    this.name = 'StartProblem';
    this.lines = lines;
  }
}

/** The machine, as far as telling the command that installs a server goes. */
export interface InstallSystem {
  readonly platform: NodeJS.Platform;
  readonly debian: boolean;
  readonly root: boolean;
}

export function thisSystem(): InstallSystem {
  return { platform: process.platform, debian: existsSync('/etc/debian_version'), root: process.getuid?.() === 0 };
}

type ServerKind = 'postgresql' | 'nats-server';

/** The exact command that installs `server` here: apt-get on Debian, Homebrew on macOS, else where to get it. */
export function installCommand(server: ServerKind, system: InstallSystem): string {
  if (system.platform === 'darwin')
    return server === 'postgresql' ? 'brew install postgresql@17' : 'brew install nats-server';
  if (system.debian) return `${system.root ? '' : 'sudo '}apt-get install ${server}`;
  return server === 'postgresql'
    ? 'install PostgreSQL from https://www.postgresql.org/download/'
    : 'install nats-server from https://docs.nats.io/running-a-nats-service/introduction/installation';
}

/** citypass's data directory: $XDG_DATA_HOME/citypass, else ~/.local/share/citypass. */
export function dataDirectory(env: NodeJS.ProcessEnv = process.env): string {
  const dataHome = env.XDG_DATA_HOME !== undefined && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : undefined;
  return join(dataHome ?? join(homedir(), '.local', 'share'), 'citypass');
}

export interface RunningServer {
  readonly url: string;
  /** Started by this process (and stopped by `stop`), or found running and left alone. */
  readonly startedHere: boolean;
  /** Where a server started here keeps its data. */
  readonly dataDir: string | undefined;
  /** Why a running server at the configured URL was not used, if it was not. */
  readonly note: string | undefined;
  stop(): Promise<void>;
}

export interface ServersOptions {
  readonly postgresUrl: string;
  /** The URL was set by the user (DATABASE_ADMIN_URL): a server there that turns us away is not replaced. */
  readonly postgresUrlSet: boolean;
  readonly natsUrl: string;
  readonly dataDir: string;
  readonly lookup: BinaryLookup;
  readonly system: InstallSystem;
}

/** PostgreSQL and NATS for `npm start`; every problem is reported together, before anything is started. */
export async function startServers(options: ServersOptions): Promise<{ postgres: RunningServer; nats: RunningServer }> {
  const [postgresPlan, natsPlan] = await Promise.all([planPostgres(options), planNats(options)]);
  const problems = [postgresPlan, natsPlan].flatMap((plan) => ('problem' in plan ? [plan.problem] : []));
  if ('problem' in postgresPlan || 'problem' in natsPlan) throw new StartProblem(problems);
  const postgres = await postgresPlan.start();
  try {
    return { postgres, nats: await natsPlan.start() };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

type Plan = { problem: string } | { start: () => Promise<RunningServer> };

const leftAlone = (url: string): RunningServer => ({
  url,
  startedHere: false,
  dataDir: undefined,
  note: undefined,
  stop: () => Promise.resolve(),
});

async function planPostgres(options: ServersOptions): Promise<Plan> {
  const configured = new URL(options.postgresUrl);
  const where = `${configured.hostname}:${configured.port || '5432'}`;
  const answer = await probePostgres(options.postgresUrl);
  if (answer === 'ok') return { start: () => Promise.resolve(leftAlone(options.postgresUrl)) };
  if (answer !== 'closed' && options.postgresUrlSet) {
    return { problem: `PostgreSQL at ${where} turned us away (${answer}): fix DATABASE_ADMIN_URL or unset it` };
  }
  if (!isLoopback(configured.hostname)) return { problem: `PostgreSQL does not answer at ${where}` };
  const binDir = findPostgresBinDir(options.lookup);
  if (binDir === undefined) {
    return {
      problem: `PostgreSQL does not answer at ${where} and is not installed: ${installCommand('postgresql', options.system)}`,
    };
  }
  const note = answer === 'closed' ? undefined : `PostgreSQL at ${where} turned us away (${answer})`;
  const dataDir = join(options.dataDir, 'postgres');
  return {
    start: async () => {
      const leftRunning = await runningCluster(dataDir);
      if (leftRunning !== undefined) return { ...leftAlone(leftRunning), dataDir, note };
      if (!existsSync(join(dataDir, 'PG_VERSION'))) {
        try {
          await initPostgresCluster(binDir, dataDir, { sync: true });
        } catch (error) {
          const asRoot = options.system.root ? ' (as root, PostgreSQL runs as user postgres, who must reach it)' : '';
          throw new StartProblem([`could not make a PostgreSQL cluster in ${dataDir}${asRoot}: ${firstLine(error)}`]);
        }
      }
      const standard = Number(configured.port || '5432');
      const port = answer === 'closed' && (await portIsFree(standard)) ? standard : await freePort();
      const server = await startPostgresServer(binDir, dataDir, { port, settings: {}, shutdown: 'SIGINT' });
      return { url: server.url, startedHere: true, dataDir, note, stop: () => server.stop() };
    },
  };
}

/** 'ok', 'closed' (nothing listens), or why the server there would not serve us. */
async function probePostgres(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'ok';
  } catch (error) {
    return (error as { code?: unknown }).code === 'ECONNREFUSED' ? 'closed' : firstLine(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** The URL of a server an earlier `npm start` left running on this cluster (its postmaster.pid names the port). */
async function runningCluster(dataDir: string): Promise<string | undefined> {
  let lines: string[];
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || !alive(pid)) return undefined;
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return (await probePostgres(url)) === 'ok' ? url : undefined;
}

async function planNats(options: ServersOptions): Promise<Plan> {
  const configured = new URL(options.natsUrl);
  const port = Number(configured.port || '4222');
  const where = `${configured.hostname}:${port}`;
  const answer = await probeNats(configured.hostname, port);
  if (answer === 'jetstream') return { start: () => Promise.resolve(leftAlone(options.natsUrl)) };
  if (answer === 'no-jetstream')
    return { problem: `nats-server at ${where} runs without JetStream: restart it with -js` };
  if (answer !== 'closed' || !isLoopback(configured.hostname))
    return { problem: `nats-server does not answer at ${where}` };
  if (findNatsServer(options.lookup) === undefined) {
    return {
      problem: `nats-server does not answer at ${where} and is not installed: ${installCommand('nats-server', options.system)}`,
    };
  }
  const storeDir = join(options.dataDir, 'nats');
  return {
    start: async () => {
      const server = await startNatsServer({
        port: (await portIsFree(port)) ? port : await freePort(),
        storeDir,
        lookup: options.lookup,
      });
      return { url: server.url, startedHere: true, dataDir: storeDir, note: undefined, stop: () => server.stop() };
    },
  };
}

/** Reads the INFO line a NATS server greets with: 'jetstream', 'no-jetstream', 'closed' or 'other'. */
function probeNats(host: string, port: number): Promise<'jetstream' | 'no-jetstream' | 'closed' | 'other'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    let greeting = '';
    const done = (answer: 'jetstream' | 'no-jetstream' | 'closed' | 'other'): void => {
      socket.destroy();
      resolve(answer);
    };
    socket.setTimeout(3_000, () => {
      done('other');
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      done(error.code === 'ECONNREFUSED' ? 'closed' : 'other');
    });
    socket.setEncoding('utf8').on('data', (chunk: string) => {
      greeting += chunk;
      const end = greeting.indexOf('\r\n');
      if (end < 0) return;
      const line = greeting.slice(0, end);
      if (!line.startsWith('INFO ')) {
        done('other');
        return;
      }
      done((JSON.parse(line.slice(5)) as { jetstream?: boolean }).jetstream === true ? 'jetstream' : 'no-jetstream');
    });
  });
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '::1' || hostname === '[::1]' || hostname.startsWith('127.');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).trim().split('\n')[0] ?? '';
}
