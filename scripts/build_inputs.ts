// What scripts/build.ts reads, and whether dist/ is older than it (test/support/service_process.ts asks, so a test or
// bench never runs a service's stale JavaScript after an edit).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { buildDirectory } from '../deploy/node_flags.ts';

/** Written by scripts/build.ts after a build succeeds, in dist/. */
export const buildStampFile = 'built_at';

/** The npm workspaces (package.json "workspaces"), as folders relative to the repository root. */
export function workspaces(root: string): string[] {
  const folders = (parent: string): string[] =>
    readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => `${parent}/${entry.name}`);
  return ['proto', ...folders('packages'), ...folders('services')];
}

/** Folders of a workspace that are not its code: its tests and what .gitignore leaves out. */
const skippedFolders = new Set(['node_modules', 'test', 'test-output', 'coverage', 'dist']);

/**
 * Every file of a workspace that a build reads or copies, relative to the repository root: all but its tests (test/
 * folders and *.test.ts), what .gitignore keeps out of the repository (node_modules, test-output, coverage, .tmp,
 * dist, *.log: the console's browser tests write screenshots into services/console/test-output while other tests
 * start services, which must not read as a stale build), hidden files, and the .proto sources' tooling (proto/ keeps
 * only gen/ and package.json).
 */
export function buildInputs(root: string, workspace: string): string[] {
  const found: string[] = [];
  const walk = (folder: string): void => {
    for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
      const path = `${folder}/${entry.name}`;
      if (entry.isDirectory()) {
        if (!skippedFolders.has(entry.name) && !entry.name.startsWith('.')) walk(path);
      } else if (!entry.name.endsWith('.test.ts') && !entry.name.endsWith('.log') && !entry.name.startsWith('.')) {
        found.push(path);
      }
    }
  };
  if (workspace === 'proto') {
    walk('proto/gen');
    found.push('proto/package.json');
  } else {
    walk(workspace);
  }
  return found;
}

/** Why dist/ cannot be run as it is (missing, or a source newer than the last build), or undefined when it can. */
export function staleBuild(root: string): string | undefined {
  const stamp = join(root, buildDirectory, buildStampFile);
  if (!existsSync(stamp)) return `${buildDirectory}/ has not been built`;
  const builtAtMs = statSync(stamp).mtimeMs;
  for (const workspace of workspaces(root)) {
    for (const file of buildInputs(root, workspace)) {
      if (statSync(join(root, file)).mtimeMs > builtAtMs) return `${file} changed after the last build`;
    }
  }
  return undefined;
}
