// Operator query: transit's books against the wallet's holds, read only on both sides. Every journey charged in the
// window (its service day on or after the window's first day), and every journey that a hold made in the window
// charged, must have taken through its holds, net, what transit recorded as its charge less what it wrote off; and
// every transit hold made in the window that captured money must be named by a charged journey (no orphan hold).
// The wallet is read first, then transit's books, so a charge settled meanwhile is still seen; each mismatch found
// is read again the same way before it is reported, so a step that finished while the check ran does not count.
// Journeys with a pending step and holds whose step is pending are counted apart: their money is on its way.
import type { Hold } from '@citypass/proto/wallet/v1/wallet';
import { stepIdOfFareReference } from '../domain/fare_reference.ts';
import { msPerDay } from '../domain/service_day.ts';
import {
  journeyMismatch,
  type JourneyBooks,
  type JourneyMismatch,
  type WalletHoldFigures,
} from '../domain/wallet_reconciliation.ts';
import type { JourneyCursor, JourneyKey, WalletReconciliationStore } from './transit_store.ts';

/** Transit's holds as the wallet reports them (its ListHolds and GetHold, read with transit's `read:` scope). */
export interface WalletHoldReads {
  /** A page of transit's holds, newest first; `nextPageToken` is '' after the last page. */
  listHolds(pageSize: number, pageToken: string): Promise<{ holds: readonly Hold[]; nextPageToken: string }>;
  /** One of transit's holds, or undefined if the wallet has no such hold for transit. */
  getHold(holdId: string): Promise<Hold | undefined>;
}

export interface ReconciliationDeps {
  readonly books: WalletReconciliationStore;
  readonly wallet: WalletHoldReads;
  readonly now: () => number;
}

export interface ReconciliationLimits {
  /** Service days back from today that the window covers. */
  readonly days: number;
  /** Wallet holds per page (the wallet's ListHolds takes up to 200) and journeys per page of transit's books. */
  readonly pageSize: number;
  /** More holds or journeys in the window than this stops the check (a narrower window is needed). */
  readonly maxHolds: number;
  readonly maxJourneys: number;
  /** Mismatches read again and reported one by one; any beyond are only counted. */
  readonly maxReported: number;
}

/** A hold of transit's that captured money and that no charged journey names. */
export interface OrphanHold {
  readonly holdId: string;
  readonly residentId: string;
  readonly currency: string;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
  readonly status: string;
  readonly reference: string;
  readonly createdAt: string;
}

export interface WalletReconciliation {
  readonly ok: boolean;
  readonly fromServiceDate: string;
  readonly holdsRead: number;
  readonly journeysRead: number;
  /** Journeys not compared: a settlement step of theirs is pending. */
  readonly journeysSettling: number;
  /** Holds no journey names yet whose settlement step is pending (recorded when the step finishes). */
  readonly holdsInFlight: number;
  readonly journeyMismatches: readonly JourneyMismatch[];
  readonly orphanHolds: readonly OrphanHold[];
  /** Mismatches and orphans found beyond `maxReported`: counted, neither read again nor listed. */
  readonly unreported: number;
}

const keyText = (key: JourneyKey): string => `${key.residentId}/${key.journeyId}`;

function figuresOf(hold: Hold): WalletHoldFigures {
  return {
    holdId: hold.holdId,
    currency: hold.amount?.currency ?? '',
    capturedMinor: hold.capturedMinor,
    refundedMinor: hold.refundedMinor,
  };
}

export async function reconcileWithWallet(
  deps: ReconciliationDeps,
  limits: ReconciliationLimits,
): Promise<WalletReconciliation> {
  const fromServiceDate = new Date(deps.now() - limits.days * msPerDay).toISOString().slice(0, 10);
  const scan = await scanWalletHolds(deps, limits, Date.parse(fromServiceDate));
  const journeys = await checkJourneys(deps, limits, fromServiceDate, scan);
  const journeyMismatches = await confirmJourneys(deps, journeys.suspects.slice(0, limits.maxReported));
  const orphanHolds = await confirmOrphans(deps, scan.orphanSuspects.slice(0, limits.maxReported));
  const unreported =
    Math.max(0, journeys.suspects.length - limits.maxReported) +
    Math.max(0, scan.orphanSuspects.length - limits.maxReported);
  return {
    ok: journeyMismatches.length === 0 && orphanHolds.length === 0 && unreported === 0,
    fromServiceDate,
    holdsRead: scan.holds.size,
    journeysRead: journeys.read,
    journeysSettling: journeys.settling,
    holdsInFlight: scan.inFlight,
    journeyMismatches,
    orphanHolds,
    unreported,
  };
}

interface HoldScan {
  /** The window's holds, by id. */
  readonly holds: ReadonlyMap<string, WalletHoldFigures>;
  /** The journeys they charged, by keyText. */
  readonly journeys: ReadonlyMap<string, JourneyKey>;
  readonly orphanSuspects: readonly Hold[];
  readonly inFlight: number;
}

/** Pages through transit's holds newest first, down to the first made before `sinceMs`. */
async function scanWalletHolds(
  deps: ReconciliationDeps,
  limits: ReconciliationLimits,
  sinceMs: number,
): Promise<HoldScan> {
  const holds = new Map<string, WalletHoldFigures>();
  const journeys = new Map<string, JourneyKey>();
  const orphanSuspects: Hold[] = [];
  let inFlight = 0;
  let pageToken = '';
  do {
    const page = await deps.wallet.listHolds(limits.pageSize, pageToken);
    const inWindow = page.holds.filter((hold) => (hold.createdAt?.getTime() ?? 0) >= sinceMs);
    if (holds.size + inWindow.length > limits.maxHolds)
      throw new Error(`more than ${limits.maxHolds} wallet holds in the window: check fewer days`);
    const named = await deps.books.journeysOfHolds(inWindow.map((hold) => hold.holdId));
    const unnamed = inWindow.filter((hold) => !named.has(hold.holdId) && hold.capturedMinor > 0n);
    const pending = await pendingStepsOf(deps, unnamed);
    for (const hold of inWindow) holds.set(hold.holdId, figuresOf(hold));
    for (const key of named.values()) journeys.set(keyText(key), key);
    for (const hold of unnamed) {
      if (pending.has(hold.holdId)) inFlight++;
      else orphanSuspects.push(hold);
    }
    pageToken = inWindow.length < page.holds.length ? '' : page.nextPageToken;
  } while (pageToken !== '');
  return { holds, journeys, orphanSuspects, inFlight };
}

/** Of these holds, those whose reference names a settlement step that is still pending. */
async function pendingStepsOf(deps: ReconciliationDeps, holds: readonly Hold[]): Promise<Set<string>> {
  const stepOf = new Map<string, string>();
  for (const hold of holds) {
    const stepId = stepIdOfFareReference(hold.reference);
    if (stepId !== undefined) stepOf.set(hold.holdId, stepId);
  }
  const pending = await deps.books.pendingSteps([...new Set(stepOf.values())]);
  return new Set([...stepOf].filter(([, stepId]) => pending.has(stepId)).map(([holdId]) => holdId));
}

/** Compares the window's journeys, then those outside it that the window's holds charged. */
async function checkJourneys(
  deps: ReconciliationDeps,
  limits: ReconciliationLimits,
  fromServiceDate: string,
  scan: HoldScan,
): Promise<{ read: number; settling: number; suspects: JourneyBooks[] }> {
  const seen = new Set<string>();
  const suspects: JourneyBooks[] = [];
  let settling = 0;
  const compare = async (page: readonly JourneyBooks[]): Promise<void> => {
    for (const books of page) {
      seen.add(keyText(books));
      if (seen.size > limits.maxJourneys)
        throw new Error(`more than ${limits.maxJourneys} journeys in the window: check fewer days`);
      if (books.settling) settling++;
      else if (journeyMismatch(books, await walletHolds(deps, books.holdIds, scan.holds)) !== undefined)
        suspects.push(books);
    }
  };
  let cursor: JourneyCursor | undefined;
  for (;;) {
    const page = await deps.books.journeysSince(fromServiceDate, cursor, limits.pageSize);
    await compare(page);
    cursor = page.at(-1);
    if (page.length < limits.pageSize) break;
  }
  const outside = [...scan.journeys].filter(([text]) => !seen.has(text)).map(([, key]) => key);
  for (let start = 0; start < outside.length; start += limits.pageSize)
    await compare(await deps.books.journeys(outside.slice(start, start + limits.pageSize)));
  return { read: seen.size, settling, suspects };
}

/** The figures of these holds the wallet has: from `known` where there, else asked for one by one. */
async function walletHolds(
  deps: ReconciliationDeps,
  holdIds: readonly string[],
  known: ReadonlyMap<string, WalletHoldFigures>,
): Promise<Map<string, WalletHoldFigures>> {
  const found = new Map<string, WalletHoldFigures>();
  for (const holdId of holdIds) {
    const cached = known.get(holdId);
    const hold = cached ?? (await deps.wallet.getHold(holdId).then((each) => each && figuresOf(each)));
    if (hold !== undefined) found.set(holdId, hold);
  }
  return found;
}

/** Each suspect journey read again, the wallet's holds first: still a mismatch, and not settling now. */
async function confirmJourneys(
  deps: ReconciliationDeps,
  suspects: readonly JourneyBooks[],
): Promise<JourneyMismatch[]> {
  const confirmed: JourneyMismatch[] = [];
  for (const suspect of suspects) {
    const holds = await walletHolds(deps, suspect.holdIds, new Map());
    const [books] = await deps.books.journeys([suspect]);
    if (books === undefined || books.settling) continue;
    // Holds recorded since the first read are read as well.
    const added = books.holdIds.filter((holdId) => !holds.has(holdId));
    for (const [holdId, hold] of await walletHolds(deps, added, new Map())) holds.set(holdId, hold);
    const mismatch = journeyMismatch(books, holds);
    if (mismatch !== undefined) confirmed.push(mismatch);
  }
  return confirmed;
}

/** Each suspect hold read again, the wallet first: it captured money, no journey names it, its step is not pending. */
async function confirmOrphans(deps: ReconciliationDeps, suspects: readonly Hold[]): Promise<OrphanHold[]> {
  const confirmed: OrphanHold[] = [];
  for (const suspect of suspects) {
    const hold = await deps.wallet.getHold(suspect.holdId);
    if (hold === undefined || hold.capturedMinor === 0n) continue;
    if ((await deps.books.journeysOfHolds([hold.holdId])).size > 0) continue;
    if ((await pendingStepsOf(deps, [hold])).size > 0) continue;
    confirmed.push({
      holdId: hold.holdId,
      residentId: hold.residentId,
      currency: hold.amount?.currency ?? '',
      capturedMinor: hold.capturedMinor,
      refundedMinor: hold.refundedMinor,
      status: hold.status,
      reference: hold.reference,
      createdAt: hold.createdAt?.toISOString() ?? '',
    });
  }
  return confirmed;
}
