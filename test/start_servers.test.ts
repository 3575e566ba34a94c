// npm start's servers (scripts/start_servers.ts): installed but stopped PostgreSQL and nats-server are started with
// their data in the data directory, and found again by the next start; missing ones name their install command.
// Every server here is on a port of its own (nothing of the machine's shared servers is touched).
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';
import { freePort, systemLookup, type BinaryLookup } from '@citypass/platform/local_servers';
import {
  installCommand,
  startServers,
  StartProblem,
  type InstallSystem,
  type ServersOptions,
} from '../scripts/start_servers.ts';

const debian: InstallSystem = { platform: 'linux', debian: true, root: false };
const nothingInstalled: BinaryLookup = { path: [], postgresRoot: '/nonexistent', natsDirs: [] };

async function closedPorts(): Promise<ServersOptions & { home: string }> {
  const home = mkdtempSync(join(tmpdir(), 'citypass-start-'));
  chmodSync(home, 0o755); // as root, PostgreSQL runs as user postgres, who must reach its data directory
  const dataDir = join(home, 'citypass'); // made by the first start, as ~/.local/share/citypass is
  return {
    postgresUrl: `postgres://postgres@127.0.0.1:${await freePort()}/postgres`,
    postgresUrlSet: false,
    natsUrl: `nats://127.0.0.1:${await freePort()}`,
    dataDir,
    home,
    lookup: systemLookup(),
    system: debian,
  };
}

async function sql<T extends pg.QueryResultRow>(url: string, text: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(text)).rows;
  } finally {
    await client.end();
  }
}

test('npm start servers - installed but stopped: started on the configured ports, data kept for the next start', {
  timeout: 60_000,
}, async () => {
  const options = await closedPorts();
  try {
    const first = await startServers(options);
    try {
      assert.equal(first.postgres.startedHere, true);
      assert.equal(first.nats.startedHere, true);
      assert.equal(first.postgres.url, options.postgresUrl);
      assert.equal(first.nats.url, options.natsUrl);
      assert.equal(first.postgres.dataDir, join(options.dataDir, 'postgres'));
      assert.equal(first.nats.dataDir, join(options.dataDir, 'nats'));
      await sql(first.postgres.url, "CREATE TABLE resident (name text); INSERT INTO resident VALUES ('Ada')");
      const nc = await connect({ servers: first.nats.url });
      await (await jetstreamManager(nc)).streams.add({ name: 'KEPT', subjects: ['kept.>'] });
      await nc.close();

      // Running now: a start meanwhile uses them and starts nothing.
      const meanwhile = await startServers({ ...options, lookup: nothingInstalled });
      assert.equal(meanwhile.postgres.startedHere, false);
      assert.equal(meanwhile.nats.startedHere, false);
    } finally {
      await first.nats.stop();
      await first.postgres.stop();
    }

    const second = await startServers(options);
    try {
      assert.equal(second.postgres.startedHere, true);
      assert.deepEqual(await sql(second.postgres.url, 'SELECT name FROM resident'), [{ name: 'Ada' }]);
      const nc = await connect({ servers: second.nats.url });
      assert.equal((await (await jetstreamManager(nc)).streams.info('KEPT')).config.name, 'KEPT');
      await nc.close();
    } finally {
      await second.nats.stop();
      await second.postgres.stop();
    }
  } finally {
    rmSync(options.home, { recursive: true, force: true });
  }
});

test('npm start servers - nothing installed: one line per server with the command that installs it', async () => {
  const options = { ...(await closedPorts()), lookup: nothingInstalled };
  const postgresAt = new URL(options.postgresUrl).host;
  const natsAt = new URL(options.natsUrl).host;
  try {
    await assert.rejects(startServers(options), (error: unknown) => {
      assert.ok(error instanceof StartProblem);
      assert.deepEqual(error.lines, [
        `PostgreSQL does not answer at ${postgresAt} and is not installed: sudo apt-get install postgresql`,
        `nats-server does not answer at ${natsAt} and is not installed: sudo apt-get install nats-server`,
      ]);
      return true;
    });
  } finally {
    rmSync(options.home, { recursive: true, force: true });
  }
});

test('npm start servers - the install command fits the machine', () => {
  assert.equal(installCommand('postgresql', debian), 'sudo apt-get install postgresql');
  assert.equal(installCommand('nats-server', { ...debian, root: true }), 'apt-get install nats-server');
  const mac: InstallSystem = { platform: 'darwin', debian: false, root: false };
  assert.equal(installCommand('postgresql', mac), 'brew install postgresql@17');
  assert.equal(installCommand('nats-server', mac), 'brew install nats-server');
  assert.match(installCommand('postgresql', { platform: 'linux', debian: false, root: false }), /postgresql\.org/);
});
