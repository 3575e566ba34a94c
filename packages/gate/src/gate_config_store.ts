// The gate's last known configuration (station, issuer keys, deny list, revoked credentials), kept beside the tap
// journal so a gate that restarts while the network is down still decides. Written whole to a temporary file,
// fsync'd and renamed over the old one: a crash leaves either the old or the new file, never a mix.
import { open, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { GetGateConfigResponse } from '@citypass/proto/transit/v1/transit';
import { DomainError } from '@citypass/platform/errors';
import { syncDirectory } from './tap_journal.ts';
import { transitReasons } from '@citypass/contracts';

export const gateConfigFileName = 'gate_config.json';
const temporaryFileName = 'gate_config.json.tmp';
const formatVersion = 1;

export type SavedGateConfig = { readonly savedAtMs: number; readonly config: GetGateConfigResponse };

export async function saveGateConfig(dir: string, config: GetGateConfigResponse, savedAtMs: number): Promise<void> {
  const temporary = join(dir, temporaryFileName);
  const text = JSON.stringify({ version: formatVersion, savedAtMs, config: GetGateConfigResponse.toJSON(config) });
  await rm(temporary, { force: true });
  const file = await open(temporary, 'wx', 0o600);
  try {
    await file.writeFile(text);
    await file.datasync();
  } finally {
    await file.close();
  }
  await rename(temporary, join(dir, gateConfigFileName));
  await syncDirectory(dir);
}

/** The saved configuration, or undefined when this gate never saved one. GATE_CONFIG_UNREADABLE when damaged. */
export async function loadGateConfig(dir: string): Promise<SavedGateConfig | undefined> {
  let text: string;
  try {
    text = await readFile(join(dir, gateConfigFileName), 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw unreadable(dir, error);
  }
  let saved: unknown;
  try {
    saved = JSON.parse(text);
  } catch (error) {
    throw unreadable(dir, error);
  }
  if (typeof saved !== 'object' || saved === null || !('version' in saved) || saved.version !== formatVersion)
    throw unreadable(dir);
  const savedAtMs = 'savedAtMs' in saved && typeof saved.savedAtMs === 'number' ? saved.savedAtMs : 0;
  return { savedAtMs, config: GetGateConfigResponse.fromJSON('config' in saved ? saved.config : {}) };
}

function unreadable(dir: string, cause?: unknown): DomainError {
  return new DomainError(
    'failed_precondition',
    transitReasons.GATE_CONFIG_UNREADABLE,
    `saved gate configuration in ${dir} cannot be read`,
    { cause },
  );
}
