// Reloads the fare book every 30 s, so every transit instance prices with an operator's new version soon after
// another instance took it (versions take effect from a later service day, so the delay never changes a day's fares).
import type { Logger } from '@citypass/platform/log';
import type { FareBook } from '../app/fare_book.ts';
import { every } from './every.ts';

export function startFareBookReload(fares: FareBook, logger: Logger, intervalMs = 30_000): { stop(): void } {
  return every(intervalMs, () => fares.reload(), (error) => { logger.warn('fare rules reload failed; pricing with the last loaded rules', { error }); });
}
