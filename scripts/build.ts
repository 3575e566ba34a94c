// `npm run build` (also run by `npm ci`'s postinstall, `npm start` and `npm test`): compiles the services and the
// workspace packages they import to JavaScript in dist/, which is what every service process runs (deploy/node_flags.ts
// says why). dist/ mirrors the repository: dist/services/wallet/src/main.js is services/wallet/src/main.ts compiled,
// with relative imports rewritten to .js by tsc. Each workspace gets a package.json whose exports name the .js files,
// linked from dist/node_modules/@citypass/, so `@citypass/platform/grpc` resolves inside dist; every other package
// resolves from the repository's node_modules, one level up. The files the code reads beside itself (migrations, the
// ledger's SQL functions, transit's sample feed, the console's stylesheet) are copied.
// tsc builds incrementally (dist/tsconfig.build.tsbuildinfo): a build with nothing changed takes a few seconds. A
// source file deleted since the last build leaves its .js behind; nothing imports it, so it is never loaded.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { buildDirectory } from '../deploy/node_flags.ts';
import { buildInputs, buildStampFile, workspaces } from './build_inputs.ts';

const root = join(import.meta.dirname, '..');
const out = join(root, buildDirectory);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const compiled = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
if (compiled.status !== 0) process.exit(compiled.status ?? 1);

for (const workspace of workspaces(root)) {
  const manifest = JSON.parse(readFileSync(join(root, workspace, 'package.json'), 'utf8')) as {
    name: string;
    exports?: unknown;
  };
  for (const file of buildInputs(root, workspace)) {
    if (!file.endsWith('.ts') && !file.endsWith('package.json')) {
      cpSync(join(root, file), join(out, file));
    }
  }
  writeFileSync(
    join(out, workspace, 'package.json'),
    `${JSON.stringify({ ...manifest, exports: compiledExports(manifest.exports) }, null, 2)}\n`,
  );
  const link = join(out, 'node_modules', manifest.name);
  mkdirSync(dirname(link), { recursive: true });
  rmSync(link, { force: true });
  symlinkSync(relative(dirname(link), join(out, workspace)), link);
}
// Written last: test/support/service_process.ts refuses to start a service from a dist/ older than its sources.
writeFileSync(join(out, buildStampFile), `${new Date().toISOString()}\n`);

/** The package's exports with every `.ts` target named as the `.js` tsc writes beside it. */
function compiledExports(exports: unknown): unknown {
  if (typeof exports === 'string') return exports.replace(/\.ts$/, '.js');
  if (exports === null || typeof exports !== 'object') return exports;
  return Object.fromEntries(Object.entries(exports).map(([key, target]) => [key, compiledExports(target)]));
}
