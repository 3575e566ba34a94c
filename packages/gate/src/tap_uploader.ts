// Sends the journal's pending taps to the transit service in the background, oldest first, in bounded batches
// (a count and an encoded size: upload_batch.ts). Accepted and rejected ids are acknowledged in the journal; taps the
// service did not answer for stay pending. When the link fails the taps stay in the journal and the uploader backs
// off; UploadTaps is idempotent by tap id, so sending a tap again (after a crash before its acknowledgement was
// written) is harmless.
//
// A batch transit finds too large (MESSAGE_TOO_LARGE: over a gRPC limit; UPLOAD_TOO_LARGE: over its tap count;
// FIELD_TOO_LONG: one tap's field over the edge's length limit) is
// sent again at once with half as many taps, down to one; each batch that goes through doubles the count again, up
// to batchSize. A tap refused as too large even alone is retried with backoff (a limit may be changing during a
// deploy), and after deadLetterAfterAttempts such answers in a row it is set aside in the dead-letter file next to the
// journal (dead_letter.ts), acknowledged, and counted in a `dead_lettered` event, so it cannot hold back the taps
// behind it forever. A tap is never dropped without that durable record: when the dead-letter file is full, the tap
// stays pending and uploads wait behind it (GATE_DEAD_LETTER_FULL).
import type { UploadTapsResponse } from '@citypass/proto/transit/v1/transit';
import { DomainError, isDomainError } from '@citypass/platform/errors';
import { Backoff, Wakeup, type BackoffOptions } from '@citypass/platform/backoff';
import { fieldTooLongReason } from '@citypass/platform/field_limits';
import { appendDeadLetter } from './dead_letter.ts';
import { messageTooLargeReason, type GateLink } from './gate_link.ts';
import type { TapJournal } from './tap_journal.ts';
import { uploadBatchOf, type UploadBatch } from './upload_batch.ts';
import { transitReasons } from '@citypass/contracts';

/** Transit's answer to more taps in one call than it takes (services/transit/src/app/gate_calls.ts, maxUploadBatch). */
const uploadTooLargeReason = transitReasons.UPLOAD_TOO_LARGE;
/** Answers that one of the batch's taps (or their number) is too large: split the batch, then set the tap aside. */
const tooLargeReasons = new Set<string>([messageTooLargeReason, uploadTooLargeReason, fieldTooLongReason]);

export type UploadEvent =
  | { readonly type: 'link_down'; readonly error: unknown }
  | { readonly type: 'link_up' }
  | {
      readonly type: 'uploaded';
      readonly accepted: number;
      readonly rejected: readonly { tapId: string; reason: string }[];
      readonly pending: number;
    }
  /** Transit refused a batch as too large; the next one has at most `nextBatchTaps` taps. */
  | {
      readonly type: 'upload_too_large';
      readonly sentTaps: number;
      readonly requestBytes: number;
      readonly nextBatchTaps: number;
      readonly error: unknown;
    }
  /** A tap refused as too large even alone, `attempts` times, was moved to the dead-letter file. */
  | {
      readonly type: 'dead_lettered';
      readonly tapId: string;
      readonly attempts: number;
      readonly deadLettered: number;
      readonly error: unknown;
    };

export type TapUploaderOptions = {
  readonly gateId: string;
  readonly link: GateLink;
  readonly journal: TapJournal;
  /** Taps per UploadTaps call at most. Default 500. */
  readonly batchSize?: number;
  /** Encoded UploadTapsRequest bytes per call at most (one tap is sent even if it is larger). Default 512 KiB. */
  readonly maxBatchBytes?: number;
  /** Too-large answers for one tap sent alone before it is set aside in the dead-letter file. Default 5. */
  readonly deadLetterAfterAttempts?: number;
  /** Size of the dead-letter file at most. Default 64 MiB. */
  readonly maxDeadLetterBytes?: number;
  readonly backoff?: BackoffOptions;
  /** False: upload nothing until setOnline(true). Default true. */
  readonly online?: boolean;
  readonly onEvent?: (event: UploadEvent) => void;
};

export class TapUploader {
  readonly #options: TapUploaderOptions;
  readonly #batchSize: number;
  readonly #maxBatchBytes: number;
  readonly #deadLetterAfterAttempts: number;
  readonly #maxDeadLetterBytes: number;
  readonly #backoff: Backoff;
  readonly #wakeup = new Wakeup();
  #online: boolean;
  #linkUp: boolean | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #uploading: Promise<unknown> = Promise.resolve();
  /** Bumped when online/offline or stop changes, to cut a backoff wait short. */
  #stateEpoch = 0;
  /** Taps in the next batch at most: halved by too-large answers, doubled back by successes. */
  #batchLimit: number;
  /** The tap sent alone and refused as too large, and how many times in a row. */
  #alone: { readonly tapId: string; readonly attempts: number } | undefined;
  #deadLettered = 0;

  constructor(options: TapUploaderOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
    this.#batchLimit = this.#batchSize;
    this.#maxBatchBytes = options.maxBatchBytes ?? 512 * 1024;
    this.#deadLetterAfterAttempts = options.deadLetterAfterAttempts ?? 5;
    this.#maxDeadLetterBytes = options.maxDeadLetterBytes ?? 64 * 1024 * 1024;
    this.#backoff = new Backoff(options.backoff ?? { initialMs: 500, maxMs: 30_000 });
    this.#online = options.online ?? true;
  }

  get online(): boolean {
    return this.#online;
  }

  get pendingCount(): number {
    return this.#options.journal.pendingCount;
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /** New taps are in the journal. */
  notify(): void {
    this.#wakeup.wake();
  }

  setOnline(online: boolean): void {
    if (online === this.#online) return;
    this.#online = online;
    this.#stateEpoch++;
    this.#wakeup.wake();
  }

  /**
   * Uploads the taps pending now (batch after batch); rejects with the link's error if a batch fails (the taps stay
   * pending). Ends once the newest tap pending at the call is acknowledged, so taps arriving meanwhile cannot keep it
   * running; every round acknowledges a tap, halves the batch, or throws.
   */
  async flush(): Promise<void> {
    if (!this.#online)
      throw new DomainError('unavailable', transitReasons.GATE_OFFLINE, 'the gate is offline: nothing is uploaded');
    const newest = this.#options.journal.newestPendingTapId();
    if (newest === undefined) return;
    while (this.#options.journal.isPending(newest)) await this.#exclusive(() => this.#uploadBatch());
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#stateEpoch++;
    this.#wakeup.wake();
    await this.#running;
    await this.#uploading.catch(() => undefined);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      if (!this.#online || this.pendingCount === 0) {
        await this.#wakeup.wait();
        continue;
      }
      try {
        await this.#exclusive(() => this.#uploadBatch());
      } catch {
        await this.#backoffWait(this.#backoff.next());
      }
    }
  }

  /** One upload at a time, whether the loop or flush() asks. */
  #exclusive(upload: () => Promise<void>): Promise<void> {
    const next = this.#uploading.catch(() => undefined).then(upload);
    this.#uploading = next;
    return next;
  }

  async #uploadBatch(): Promise<void> {
    const { gateId, journal, link } = this.#options;
    const batch = uploadBatchOf(gateId, journal.pendingTaps(this.#batchLimit), this.#maxBatchBytes);
    if (batch.taps.length === 0) return;
    let response: UploadTapsResponse;
    try {
      response = await link.uploadTaps(batch.request);
    } catch (error) {
      if (isDomainError(error) && tooLargeReasons.has(error.reason)) {
        await this.#tooLarge(batch, error);
        return;
      }
      this.#report(false, error);
      throw error;
    }
    const sent = new Set(batch.taps.map((tap) => tap.tapId));
    const accepted = response.acceptedTapIds.filter((tapId) => sent.has(tapId));
    const rejected = response.rejected
      .filter((refusal) => sent.has(refusal.tapId))
      .map(({ tapId, reason }) => ({ tapId, reason }));
    const acknowledged = [...accepted, ...rejected.map((refusal) => refusal.tapId)];
    if (acknowledged.length === 0) {
      const error = new DomainError(
        'unavailable',
        transitReasons.UPLOAD_NOT_ACKNOWLEDGED,
        `transit acknowledged none of ${batch.taps.length} taps`,
      );
      this.#report(false, error);
      throw error;
    }
    this.#report(true);
    this.#backoff.reset();
    this.#batchLimit = Math.min(this.#batchSize, this.#batchLimit * 2);
    this.#alone = undefined;
    await journal.acknowledge(acknowledged);
    this.#options.onEvent?.({
      type: 'uploaded',
      accepted: acknowledged.length - rejected.length,
      rejected,
      pending: this.pendingCount,
    });
  }

  /** Several taps: send half as many next, at once. One: retry with backoff, then set it aside (see the top). */
  async #tooLarge(batch: UploadBatch, error: DomainError): Promise<void> {
    const [tap] = batch.taps;
    if (tap === undefined) return;
    this.#batchLimit = Math.max(1, Math.floor(batch.taps.length / 2));
    const event = {
      sentTaps: batch.taps.length,
      requestBytes: batch.requestBytes,
      nextBatchTaps: this.#batchLimit,
      error,
    };
    this.#options.onEvent?.({ type: 'upload_too_large', ...event });
    if (batch.taps.length > 1) return;
    const attempts = this.#alone?.tapId === tap.tapId ? this.#alone.attempts + 1 : 1;
    this.#alone = { tapId: tap.tapId, attempts };
    if (attempts < this.#deadLetterAfterAttempts) throw error;
    if (!(await appendDeadLetter(this.#options.journal.directory, tap, this.#maxDeadLetterBytes))) {
      throw new DomainError(
        'resource_exhausted',
        transitReasons.GATE_DEAD_LETTER_FULL,
        `tap ${tap.tapId} is too large to upload and the dead-letter file is full`,
        { cause: error },
      );
    }
    await this.#options.journal.acknowledge([tap.tapId]);
    this.#alone = undefined;
    this.#deadLettered++;
    this.#options.onEvent?.({
      type: 'dead_lettered',
      tapId: tap.tapId,
      attempts,
      deadLettered: this.#deadLettered,
      error,
    });
  }

  async #backoffWait(delayMs: number): Promise<void> {
    const epoch = this.#stateEpoch;
    const untilMs = Date.now() + delayMs;
    while (!this.#stopped && epoch === this.#stateEpoch && Date.now() < untilMs)
      await this.#wakeup.wait(untilMs - Date.now());
  }

  #report(up: boolean, error?: unknown): void {
    if (this.#linkUp === up) return;
    this.#linkUp = up;
    this.#options.onEvent?.(up ? { type: 'link_up' } : { type: 'link_down', error });
  }
}
