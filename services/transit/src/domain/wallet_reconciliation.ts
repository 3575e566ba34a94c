// Whether a journey's charge as transit recorded it is what the wallet's holds say it took. Transit records the
// journey's charge (journey_charges) including fares it wrote off, for which no money moved; what it believes its
// holds took net is that charge less the written-off part, and the wallet's figure is the sum over the journey's
// holds of captured less refunded. Pure.
import { minorUnits, type MinorUnits } from './money.ts';

/** One journey as transit's own tables record it. */
export interface JourneyBooks {
  readonly residentId: string;
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly currency: string;
  /** The journey's charge as settlement recorded it, written-off fares included. */
  readonly chargedMinor: MinorUnits;
  /**
   * The part of that charge no money moved for: written-off charges less refunds that found no hold left to take
   * from. Signed, like the net below: books that disagree with themselves may make it negative, and that is reported.
   */
  readonly writtenOffMinor: bigint;
  /** A settlement step for the journey is pending: its money may be moving while the check runs. */
  readonly settling: boolean;
  /** The wallet holds settlement recorded for the journey, oldest first. */
  readonly holdIds: readonly string[];
}

/** A wallet hold's figures as the wallet reports them. */
export interface WalletHoldFigures {
  readonly holdId: string;
  readonly currency: string;
  readonly capturedMinor: bigint;
  readonly refundedMinor: bigint;
}

export interface JourneyMismatch {
  readonly residentId: string;
  readonly journeyId: string;
  readonly serviceDate: string;
  readonly currency: string;
  readonly holdIds: readonly string[];
  /** What transit believes the journey's holds took net: its charge less the written-off part (signed). */
  readonly transitNetMinor: bigint;
  /** What the wallet says they took: captured less refunded, over the holds it has in the journey's currency. */
  readonly walletNetMinor: MinorUnits;
  readonly chargedMinor: MinorUnits;
  readonly writtenOffMinor: bigint;
  /** Holds transit names that the wallet does not have as transit's. */
  readonly missingHoldIds: readonly string[];
  /** Holds in another currency than the journey's: not counted. */
  readonly otherCurrencyHoldIds: readonly string[];
}

/** The journey's mismatch with the wallet, or undefined when both say the same. `holds` has what the wallet has. */
export function journeyMismatch(
  books: JourneyBooks,
  holds: ReadonlyMap<string, WalletHoldFigures>,
): JourneyMismatch | undefined {
  let walletNet = 0n;
  const missingHoldIds: string[] = [];
  const otherCurrencyHoldIds: string[] = [];
  for (const holdId of books.holdIds) {
    const hold = holds.get(holdId);
    if (hold === undefined) missingHoldIds.push(holdId);
    else if (hold.currency !== books.currency) otherCurrencyHoldIds.push(holdId);
    else walletNet += hold.capturedMinor - hold.refundedMinor;
  }
  const transitNetMinor = books.chargedMinor - books.writtenOffMinor;
  if (walletNet === transitNetMinor && missingHoldIds.length === 0 && otherCurrencyHoldIds.length === 0)
    return undefined;
  return {
    residentId: books.residentId,
    journeyId: books.journeyId,
    serviceDate: books.serviceDate,
    currency: books.currency,
    holdIds: books.holdIds,
    transitNetMinor,
    walletNetMinor: minorUnits(walletNet),
    chargedMinor: books.chargedMinor,
    writtenOffMinor: books.writtenOffMinor,
    missingHoldIds,
    otherCurrencyHoldIds,
  };
}
