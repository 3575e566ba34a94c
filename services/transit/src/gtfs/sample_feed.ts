// Where the Aurelia sample feed lives, and its files as text for tests that edit a copy of it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { feedFileNames } from './feed.ts';

export const aureliaFeedDirectory = join(import.meta.dirname, '../../data/aurelia');

/** The files the loader reads, fresh on each call, so a test may change them. */
export function aureliaFeedFiles(): Map<string, string> {
  const paths = feedFileNames.map((fileName) => [fileName, join(aureliaFeedDirectory, fileName)] as const);
  return new Map(
    paths.filter(([, path]) => existsSync(path)).map(([fileName, path]) => [fileName, readFileSync(path, 'utf8')]),
  );
}
