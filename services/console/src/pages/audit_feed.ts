// The audit page's one list over two services' logs (identity's and transit's): each service pages its own log
// newest first by keyset; the console merges their pages by time and hands out one page token carrying both
// services' cursors. A cursor is the service's own page token to read on from, so every page is one or two keyset
// reads per service however deep it is, and a cursor stops exactly after the last row shown.
import { invalidArgument } from '@citypass/platform/errors';

export const auditSources = ['identity', 'transit'] as const;
export type AuditSource = (typeof auditSources)[number];

/** One row of either log, as the page shows it. */
export interface AuditEntry {
  readonly source: AuditSource;
  readonly id: string;
  readonly occurredAt: Date;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  /** Transit's before and after; identity's details (which may hold their own before and after). */
  readonly before: unknown;
  readonly after: unknown;
  readonly details: Readonly<Record<string, unknown>>;
  readonly reason: string;
}

/** Reads one page of one source's log from its page token ('' for the first). */
export type AuditReader = (pageToken: string, pageSize: number) => Promise<{ entries: AuditEntry[]; next: string }>;

/** Where each source's log continues: its page token, or undefined once it has nothing more. */
export type AuditCursors = Readonly<Partial<Record<AuditSource, string>>>;

const cursorShape = /^[A-Za-z0-9_=-]{0,400}$/;

export function firstCursors(sources: readonly AuditSource[]): AuditCursors {
  return Object.fromEntries(sources.map((source) => [source, '']));
}

/** The page token carrying both cursors; '' when neither log has more. */
export function cursorsToken(cursors: AuditCursors): string {
  const present = auditSources.filter((source) => cursors[source] !== undefined);
  if (present.length === 0) return '';
  return Buffer.from(JSON.stringify(Object.fromEntries(present.map((source) => [source, cursors[source]])))).toString(
    'base64url',
  );
}

/** The cursors a page token carries, for the sources searched; a token the console did not make is refused. */
export function cursorsOfToken(token: string, sources: readonly AuditSource[]): AuditCursors {
  if (token === '') return firstCursors(sources);
  let parsed: unknown;
  try {
    parsed = /^[A-Za-z0-9_-]{1,2000}$/.test(token) ? JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) : 0;
  } catch {
    parsed = 0;
  }
  const refused = invalidArgument('PAGE_TOKEN_INVALID', 'this page link is not one the console made for this search');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw refused;
  const cursors: Partial<Record<AuditSource, string>> = {};
  for (const [source, cursor] of Object.entries(parsed as Record<string, unknown>)) {
    if (!sources.includes(source as AuditSource) || typeof cursor !== 'string' || !cursorShape.test(cursor))
      throw refused;
    cursors[source as AuditSource] = cursor;
  }
  return cursors;
}

/** Newest first; at the same instant identity before transit, then the larger id first (each log's own order). */
function newerFirst(a: AuditEntry, b: AuditEntry): number {
  const byTime = b.occurredAt.getTime() - a.occurredAt.getTime();
  if (byTime !== 0) return byTime;
  if (a.source !== b.source) return a.source === 'identity' ? -1 : 1;
  return BigInt(b.id) > BigInt(a.id) ? 1 : -1;
}

/**
 * One merged page: up to `pageSize` entries of every source with a cursor, newest first, and the cursors after it.
 * A source whose page was shown only in part is read again for exactly the part shown, so its cursor is the
 * service's own token right after the last entry shown.
 */
export async function mergedPage(
  readers: Readonly<Record<AuditSource, AuditReader>>,
  cursors: AuditCursors,
  pageSize: number,
): Promise<{ entries: AuditEntry[]; cursors: AuditCursors }> {
  const active = auditSources.filter((source) => cursors[source] !== undefined);
  const pages = await Promise.all(
    active.map(async (source) => ({ source, ...(await readers[source](cursors[source] ?? '', pageSize)) })),
  );
  const entries = pages
    .flatMap((page) => page.entries)
    .sort(newerFirst)
    .slice(0, pageSize);
  const after: Partial<Record<AuditSource, string>> = {};
  for (const page of pages) {
    const start = cursors[page.source] ?? '';
    const shown = entries.filter((entry) => entry.source === page.source).length;
    // Nothing shown: read on from the same place next time, unless the log had nothing left at all.
    if (shown === 0) {
      if (page.entries.length > 0) after[page.source] = start;
    } else if (shown < page.entries.length) after[page.source] = (await readers[page.source](start, shown)).next;
    else if (page.next !== '') after[page.source] = page.next;
  }
  return { entries, cursors: after };
}
