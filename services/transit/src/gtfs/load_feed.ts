// Reads a GTFS feed from a directory: only the files the loader uses, each at most maxFileBytes (checked before
// reading; a file that grows meanwhile is caught by the parser) and valid UTF-8, then parses it with
// parseGtfsFeed. A file that does not exist is left out, for the parser to report.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { feedFileNames, parseGtfsFeed, type TransitData } from './feed.ts';
import { gtfsError, maxFileBytes } from './table.ts';
import { transitReasons } from '@citypass/contracts';

export async function loadGtfsFeed(directory: string): Promise<TransitData> {
  const files = new Map<string, string>();
  for (const fileName of feedFileNames) {
    const text = await readFeedFile(directory, fileName);
    if (text !== undefined) files.set(fileName, text);
  }
  return parseGtfsFeed(files);
}

async function readFeedFile(directory: string, fileName: string): Promise<string | undefined> {
  let handle;
  try {
    handle = await open(join(directory, fileName), 'r');
  } catch (error) {
    if (error instanceof Error && 'code' in error && error.code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const { size } = await handle.stat();
    if (size > maxFileBytes)
      throw gtfsError(
        transitReasons.GTFS_FILE_TOO_LARGE,
        fileName,
        `a file of ${size} bytes, above the limit of ${maxFileBytes}`,
      );
    const bytes = await handle.readFile();
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    } catch {
      throw gtfsError(transitReasons.GTFS_ENCODING_INVALID, fileName, 'not valid UTF-8');
    }
  } finally {
    await handle.close();
  }
}
