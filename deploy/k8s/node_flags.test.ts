// Every service starts with the same V8 flags (deploy/node_flags.ts) wherever it is started: its Deployment, its
// `npm start` and the process the system tests and benches spawn, so a bench's memory figure is production's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { serviceNodeFlags } from '../node_flags.ts';

const root = join(import.meta.dirname, '..', '..');
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

test('node flags - every Deployment runs node with the service flags before anything else', () => {
  assert.ok(services.length >= 5, `services found: ${services.join(', ')}`);
  for (const service of services) {
    const file = join(import.meta.dirname, 'base', service, 'deployment.yaml');
    const [deployment] = parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS() as unknown);
    const containers = (deployment as { spec: { template: { spec: { containers: { command: string[] }[] } } } }).spec
      .template.spec.containers;
    assert.equal(containers.length, 1, file);
    const command = containers[0]?.command ?? [];
    assert.deepEqual(command.slice(0, 1 + serviceNodeFlags.length), ['node', ...serviceNodeFlags], file);
  }
});

test('node flags - every service npm start runs node with the service flags', () => {
  for (const service of services) {
    const manifest = JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    assert.ok(
      manifest.scripts.start.startsWith(`node ${serviceNodeFlags.join(' ')} `),
      `${service}: ${manifest.scripts.start}`,
    );
  }
});

test('node flags - this Node accepts every flag (a V8 flag dropped by an upgrade fails here, not at deploy)', () => {
  const run = spawnSync(process.execPath, [...serviceNodeFlags, '-e', '0'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.stderr, '');
});
