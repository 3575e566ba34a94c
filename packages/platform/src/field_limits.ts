// Every string in a decoded request is bounded before a handler reads it: at most `defaultMaxFieldLength`
// characters unless the service declares another limit for that field. A handler may check a field more tightly
// with its own reason (checkText); this is the outer bound, so no oversized value reaches a query, a log line or an
// error message. The refusal names the field and its limit, never the value.
import { invalidArgument } from './errors.ts';
import { commonReasons } from './reasons.ts';

/** Characters (UTF-16 code units, as `String.length` counts) a string field may hold unless declared otherwise. */
export const defaultMaxFieldLength = 1_024;
export const fieldTooLongReason = commonReasons.FIELD_TOO_LONG;

/**
 * Per-field limits by proto path: field names as in the .proto, nested messages joined with '.', repeated fields
 * without an index, e.g. `{ presentation: 4096, 'taps.presentation': 4096 }`.
 */
export type FieldLimits = Readonly<Record<string, number>>;

/** Throws INVALID_ARGUMENT FIELD_TOO_LONG for the first string (nested and repeated ones included) over its limit. */
export function checkFieldLengths(message: unknown, limits: FieldLimits = {}): void {
  walk(message, '', limits);
}

function walk(value: unknown, path: string, limits: FieldLimits): void {
  if (typeof value === 'string') {
    const limit = limits[path] ?? defaultMaxFieldLength;
    if (value.length > limit) throw invalidArgument(fieldTooLongReason, `${path} must be at most ${limit} characters`);
  } else if (Array.isArray(value)) {
    for (const item of value as unknown[]) walk(item, path, limits);
  } else if (isMessage(value)) {
    for (const key of Object.keys(value)) walk(value[key], fieldPath(path, key), limits);
  }
}

// ts-proto messages are plain objects; bytes (Uint8Array) and timestamps (Date) are values, not messages.
function isMessage(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !(value instanceof Uint8Array) && !(value instanceof Date);
}

/**
 * A field's proto path under its parent's: `amount` + `amountMinor` -> `amount.amount_minor`. Every request walks
 * the same few paths, so each is built once: building them per request was most of the walk's cost on the wallet's
 * charge path. A proto map's keys are the sender's, so only the first `maxRememberedPaths` are remembered.
 */
function fieldPath(parent: string, key: string): string {
  const remembered = paths.get(parent)?.get(key);
  if (remembered !== undefined) return remembered;
  const path = parent === '' ? protoName(key) : `${parent}.${protoName(key)}`;
  if (rememberedPaths < maxRememberedPaths) {
    rememberedPaths++;
    const children = paths.get(parent) ?? new Map<string, string>();
    paths.set(parent, children.set(key, path));
  }
  return path;
}

const maxRememberedPaths = 4_096;
const paths = new Map<string, Map<string, string>>();
let rememberedPaths = 0;

/** ts-proto's camelCase property back to the .proto field name: `fundingReference` -> `funding_reference`. */
function protoName(key: string): string {
  return key.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}
