// Reading a command's parsed flags, and the words the command line uses for the gateway's enums.
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import type { CommandContext } from './commands.ts';
import type { ExitCode } from './exit_codes.ts';

/** A string flag's value, or '' when it was not given. */
export function text(context: Pick<CommandContext, 'values'>, name: string): string {
  const value = context.values[name];
  return typeof value === 'string' ? value : '';
}

export const concessions: Readonly<Record<string, ConcessionClass>> = {
  adult: ConcessionClass.CONCESSION_CLASS_ADULT,
  child: ConcessionClass.CONCESSION_CLASS_CHILD,
  senior: ConcessionClass.CONCESSION_CLASS_SENIOR,
  student: ConcessionClass.CONCESSION_CLASS_STUDENT,
};

/**
 * Reads a keyset-paged list page by page (pages of at most `maxPageSize`, the service's maximum) until --limit
 * items or the last page; undefined for a --limit out of range.
 */
export async function collectPages<Item>(
  context: CommandContext,
  maxPageSize: number,
  read: (pageSize: number, pageToken: string) => Promise<{ items: Item[]; nextPageToken: string }>,
): Promise<{ items: Item[]; more: boolean } | undefined> {
  const limit = Number(text(context, 'limit'));
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > 100_000) return undefined;
  const items: Item[] = [];
  let pageToken = '';
  do {
    const page = await read(Math.min(maxPageSize, limit - items.length), pageToken);
    items.push(...page.items);
    pageToken = page.nextPageToken;
  } while (pageToken !== '' && items.length < limit);
  return { items, more: pageToken !== '' };
}

export const badLimit = (context: CommandContext): ExitCode =>
  context.out.usage('--limit is a whole number from 1 to 100000');
