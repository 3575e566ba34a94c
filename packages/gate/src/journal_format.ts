// The tap journal's file format: one line per record, `<crc32 of the JSON, 8 hex digits> <JSON>\n`, where the JSON
// is `{"tap":{...}}` (a tap as the gate decided it) or `{"ack":[tap ids]}` (taps the transit service holds or has
// refused for good). A line that does not end in a newline, fails its checksum or does not parse is skipped: a
// crash can only leave such a line at the end, and the journal cuts it off before appending again.
import { crc32 } from 'node:zlib';
import { transitReasons } from '@citypass/contracts';

export type TapDirection = 'in' | 'out';
export type GateDecision = 'OPEN' | 'DENY';

export type JournaledTap = {
  readonly tapId: string;
  /**
   * `<credential>~<kb-jwt>` as read at the gate. Empty for a DENY tap (transit ignores it, and whatever was scanned
   * must not cost journal or upload bytes) and when it was too large to keep.
   */
  readonly presentation: string;
  readonly direction: TapDirection;
  readonly tappedAtMs: number;
  readonly decision: GateDecision;
  /** Empty when OPEN; else a storableReason (transit uses it as a metric label). */
  readonly reason: string;
};

/** Longest reason kept; a longer one, or one not in [A-Z0-9_], is stored as `OTHER`. */
export const maxReasonLength = 64;
const reasonPattern = new RegExp(`^[A-Z0-9_]{1,${maxReasonLength}}$`);

/** A DENY reason as journaled and uploaded: a short stable code, so it stays a bounded metric label server-side. */
export function storableReason(reason: string): string {
  return reasonPattern.test(reason) ? reason : transitReasons.OTHER;
}

export type JournalRecord = { readonly tap: JournaledTap } | { readonly ack: readonly string[] };

export type ParsedLog = {
  readonly records: readonly JournalRecord[];
  /** Bytes up to the end of the last complete line: what the file is cut back to. */
  readonly completeBytes: number;
  readonly skippedLines: number;
};

const newline = 0x0a;
const checksumLength = 8;

export function lineOf(record: JournalRecord): string {
  const json = JSON.stringify(record);
  return `${crc32(json).toString(16).padStart(checksumLength, '0')} ${json}\n`;
}

export function parseLog(bytes: Buffer): ParsedLog {
  const records: JournalRecord[] = [];
  let skippedLines = 0;
  let start = 0;
  for (let end = bytes.indexOf(newline, start); end >= 0; end = bytes.indexOf(newline, start)) {
    const record = parseLine(bytes.subarray(start, end));
    if (record === undefined) skippedLines++;
    else records.push(record);
    start = end + 1;
  }
  if (start < bytes.length) skippedLines++; // the torn tail of an append a crash interrupted
  return { records, completeBytes: start, skippedLines };
}

function parseLine(line: Buffer): JournalRecord | undefined {
  if (line.length <= checksumLength + 1 || line[checksumLength] !== 0x20) return undefined;
  const json = line.subarray(checksumLength + 1);
  if (line.subarray(0, checksumLength).toString('latin1') !== crc32(json).toString(16).padStart(checksumLength, '0')) {
    return undefined;
  }
  let value: unknown;
  try {
    value = JSON.parse(json.toString('utf8'));
  } catch {
    return undefined;
  }
  return recordOf(value);
}

function recordOf(value: unknown): JournalRecord | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  if ('ack' in value) {
    const ids = value.ack;
    return Array.isArray(ids) && ids.every((id: unknown): id is string => typeof id === 'string')
      ? { ack: ids }
      : undefined;
  }
  if ('tap' in value) {
    const tap = tapOf(value.tap);
    return tap === undefined ? undefined : { tap };
  }
  return undefined;
}

function tapOf(value: unknown): JournaledTap | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const tap = value as Record<string, unknown>;
  const { tapId, presentation, direction, tappedAtMs, decision, reason } = tap;
  if (typeof tapId !== 'string' || tapId === '' || typeof presentation !== 'string' || typeof reason !== 'string')
    return undefined;
  if ((direction !== 'in' && direction !== 'out') || (decision !== 'OPEN' && decision !== 'DENY')) return undefined;
  if (typeof tappedAtMs !== 'number' || !Number.isFinite(tappedAtMs)) return undefined;
  return { tapId, presentation, direction, tappedAtMs, decision, reason };
}
