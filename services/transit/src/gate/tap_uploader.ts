// Sends the journal's pending taps to the transit service in the background, oldest first, in bounded batches.
// Accepted and rejected ids are acknowledged in the journal; taps the service did not answer for stay pending.
// When the link fails the taps stay in the journal and the uploader backs off; UploadTaps is idempotent by tap id,
// so sending a tap again (after a crash before its acknowledgement was written) is harmless.
import type { StoredTap } from '@citypass/proto/transit/v1/transit';
import { DomainError } from '@citypass/platform/errors';
import { Backoff, Wakeup, type BackoffOptions } from './backoff.ts';
import type { GateLink } from './gate_link.ts';
import type { JournaledTap } from './journal_format.ts';
import type { TapJournal } from './tap_journal.ts';

export type UploadEvent =
  | { readonly type: 'link_down'; readonly error: unknown }
  | { readonly type: 'link_up' }
  | { readonly type: 'uploaded'; readonly accepted: number; readonly rejected: readonly { tapId: string; reason: string }[]; readonly pending: number };

export type TapUploaderOptions = {
  readonly gateId: string;
  readonly link: GateLink;
  readonly journal: TapJournal;
  /** Taps per UploadTaps call. Default 500. */
  readonly batchSize?: number;
  readonly backoff?: BackoffOptions;
  /** False: upload nothing until setOnline(true). Default true. */
  readonly online?: boolean;
  readonly onEvent?: (event: UploadEvent) => void;
};

export class TapUploader {
  readonly #options: TapUploaderOptions;
  readonly #batchSize: number;
  readonly #backoff: Backoff;
  readonly #wakeup = new Wakeup();
  #online: boolean;
  #linkUp: boolean | undefined;
  #stopped = false;
  #running: Promise<void> | undefined;
  #uploading: Promise<unknown> = Promise.resolve();
  /** Bumped when online/offline or stop changes, to cut a backoff wait short. */
  #stateEpoch = 0;

  constructor(options: TapUploaderOptions) {
    this.#options = options;
    this.#batchSize = options.batchSize ?? 500;
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
   * pending). Bounded by the pending count at the call, so taps arriving meanwhile cannot keep it running.
   */
  async flush(): Promise<void> {
    if (!this.#online) throw new DomainError('unavailable', 'GATE_OFFLINE', 'the gate is offline: nothing is uploaded');
    const batches = Math.ceil(this.pendingCount / this.#batchSize) + 1;
    for (let batch = 0; batch < batches && this.pendingCount > 0; batch++) await this.#exclusive(() => this.#uploadBatch());
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
    const batch = this.#options.journal.pendingTaps(this.#batchSize);
    if (batch.length === 0) return;
    let acknowledged: string[];
    let rejected: { tapId: string; reason: string }[];
    try {
      const response = await this.#options.link.uploadTaps({ gateId: this.#options.gateId, taps: batch.map(storedTapOf) });
      const sent = new Set(batch.map((tap) => tap.tapId));
      const accepted = response.acceptedTapIds.filter((tapId) => sent.has(tapId));
      rejected = response.rejected.filter((refusal) => sent.has(refusal.tapId)).map(({ tapId, reason }) => ({ tapId, reason }));
      acknowledged = [...accepted, ...rejected.map((refusal) => refusal.tapId)];
      if (acknowledged.length === 0) {
        throw new DomainError('unavailable', 'UPLOAD_NOT_ACKNOWLEDGED', `transit acknowledged none of ${batch.length} taps`);
      }
    } catch (error) {
      this.#report(false, error);
      throw error;
    }
    this.#report(true);
    this.#backoff.reset();
    await this.#options.journal.acknowledge(acknowledged);
    this.#options.onEvent?.({ type: 'uploaded', accepted: acknowledged.length - rejected.length, rejected, pending: this.pendingCount });
  }

  async #backoffWait(delayMs: number): Promise<void> {
    const epoch = this.#stateEpoch;
    const untilMs = Date.now() + delayMs;
    while (!this.#stopped && epoch === this.#stateEpoch && Date.now() < untilMs) await this.#wakeup.wait(untilMs - Date.now());
  }

  #report(up: boolean, error?: unknown): void {
    if (this.#linkUp === up) return;
    this.#linkUp = up;
    this.#options.onEvent?.(up ? { type: 'link_up' } : { type: 'link_down', error });
  }
}

function storedTapOf(tap: JournaledTap): StoredTap {
  return {
    tapId: tap.tapId,
    presentation: tap.presentation,
    direction: tap.direction,
    tappedAt: new Date(tap.tappedAtMs),
    decision: tap.decision,
    reason: tap.reason,
  };
}
