// Every service starts the same way (deploy/node_flags.ts serviceArgs: the V8 flags, then its compiled JavaScript)
// wherever it is started: its Deployment, its `npm start` and the process the system tests and benches spawn, so a
// bench's memory figure is production's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { serviceArgs, serviceNodeFlags } from '../node_flags.ts';

const root = join(import.meta.dirname, '..', '..');
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

test('node flags - every Deployment runs node with the service flags and its compiled telemetry and main', () => {
  assert.ok(services.length >= 5, `services found: ${services.join(', ')}`);
  for (const service of services) {
    const file = join(import.meta.dirname, 'base', service, 'deployment.yaml');
    const [deployment] = parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS() as unknown);
    const containers = (deployment as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec
      .template.spec.containers;
    assert.equal(containers.length, 1, file);
    const command = containers[0]?.command ?? [];
    assert.deepEqual(command, ['node', ...serviceArgs(service)], file);
  }
});

test('node flags - every service npm start runs node with the service flags and its compiled telemetry and main', () => {
  for (const service of services) {
    const manifest = JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    // npm runs a workspace's scripts in its folder, services/<service>.
    assert.equal(manifest.scripts.start, `node ${serviceArgs(service, '../..').join(' ')}`, service);
  }
});

test("node flags - the build wrote every service's telemetry and main where serviceArgs names them", () => {
  for (const service of services) {
    for (const file of serviceArgs(service, root).slice(-2)) assert.ok(existsSync(file), `${file}: run npm run build`);
  }
});

test('node flags - this Node accepts every flag (a V8 flag dropped by an upgrade fails here, not at deploy)', () => {
  const run = spawnSync(process.execPath, [...serviceNodeFlags, '-e', '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
});
