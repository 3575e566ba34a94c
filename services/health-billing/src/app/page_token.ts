// Page tokens of the bill lists: where the next page starts, (created_at, id) of the last bill served. Opaque to
// callers; a token this service did not hand out is PAGE_TOKEN_INVALID.
import { healthBillingReasons } from '@citypass/contracts';
import { invalidArgument } from '@citypass/platform/errors';
import { isUuid } from '@citypass/platform/ids';
import type { BillCursor, BillRecord } from './store.ts';

const tokenPattern = /^([1-9]\d{0,15})\|([0-9a-f-]{36})$/;

export function pageTokenOf(bill: BillRecord): string {
  return Buffer.from(`${bill.createdAtMs}|${bill.billId}`).toString('base64url');
}

export function cursorOf(token: string): BillCursor | undefined {
  if (token === '') return undefined;
  const [, createdAtMs, billId] = /^[A-Za-z0-9_-]{1,80}$/.test(token)
    ? (tokenPattern.exec(Buffer.from(token, 'base64url').toString('latin1')) ?? [])
    : [];
  if (createdAtMs === undefined || billId === undefined || !isUuid(billId))
    throw invalidArgument(healthBillingReasons.PAGE_TOKEN_INVALID, 'page_token is not one this list returned');
  return { createdAtMs: Number(createdAtMs), billId };
}

/** 0: `fallback`; more than 100 is served as 100. */
export const pageSizeOf = (requested: number, fallback: number): number =>
  requested === 0 ? fallback : Math.min(requested, 100);

/** The page and the token of the next one: one more bill than the page was read to learn whether it exists. */
export function pageOf(bills: readonly BillRecord[], size: number): { page: BillRecord[]; nextPageToken: string } {
  const page = bills.slice(0, size);
  const last = page.at(-1);
  return { page, nextPageToken: bills.length > size && last !== undefined ? pageTokenOf(last) : '' };
}
