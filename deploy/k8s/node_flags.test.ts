// Every service starts the same way (deploy/node_flags.ts serviceArgs: the V8 flags, then its compiled JavaScript;
// serviceEnvironment: what the C library reads) wherever it is started: its Deployment, its `npm start` and the
// process the system tests and benches spawn, so a bench's memory figure is production's.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { serviceArgs, serviceEnvironment, serviceNodeFlags } from '../node_flags.ts';

interface Container {
  readonly command: string[];
  readonly env?: { readonly name: string; readonly value: string }[];
}

const root = join(import.meta.dirname, '..', '..');
const services = readdirSync(join(root, 'services'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);

test('node flags - every Deployment runs the compiled service with the service flags and environment', () => {
  assert.ok(services.length >= 5, `services found: ${services.join(', ')}`);
  for (const service of services) {
    const file = join(import.meta.dirname, 'base', service, 'deployment.yaml');
    const [deployment] = parseAllDocuments(readFileSync(file, 'utf8')).map((document) => document.toJS() as unknown);
    const containers = (deployment as { spec: { template: { spec: { containers: Container[] } } } }).spec.template.spec
      .containers;
    assert.equal(containers.length, 1, file);
    const command = containers[0]?.command ?? [];
    assert.deepEqual(command, ['node', ...serviceArgs(service)], file);
    const env = new Map((containers[0]?.env ?? []).map((variable) => [variable.name, variable.value]));
    for (const [name, value] of Object.entries(serviceEnvironment))
      assert.equal(env.get(name), value, `${file}: ${name}`);
  }
});

test('node flags - every npm start runs the compiled service with the service flags and environment', () => {
  for (const service of services) {
    const manifest = JSON.parse(readFileSync(join(root, 'services', service, 'package.json'), 'utf8')) as {
      scripts: { start: string };
    };
    // npm runs a workspace's scripts in its folder, services/<service>.
    const environment = Object.entries(serviceEnvironment).map(([name, value]) => `${name}=${value} `);
    assert.equal(
      manifest.scripts.start,
      `${environment.join('')}node ${serviceArgs(service, '../..').join(' ')}`,
      service,
    );
  }
});

test("node flags - the build wrote every service's telemetry and main where serviceArgs names them", () => {
  for (const service of services) {
    for (const file of serviceArgs(service, root).slice(-2)) assert.ok(existsSync(file), `${file}: run npm run build`);
  }
});

test('node flags - this Node accepts every flag (a V8 flag dropped by an upgrade fails here, not at deploy)', () => {
  for (const service of services) {
    const run = spawnSync(process.execPath, [...serviceNodeFlags(service), '-e', '0'], { encoding: 'utf8' });
    assert.equal(run.status, 0, `${service}: ${run.stderr}`);
    assert.equal(run.stderr, '', service);
  }
});
