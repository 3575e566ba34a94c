// The gate's durable record of its taps: each tap is appended and fdatasync'd before the gate opens, and stays
// pending until the transit service acknowledges it. Appends that arrive while a write is running share the next
// write and fdatasync (group commit). When acknowledged lines outnumber the pending taps, the file is rewritten
// with the pending taps only (temporary file, fsync, rename, fsync of the directory), so it stays bounded.
// Format and crash handling: journal_format.ts.
import { mkdir, open, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '@citypass/platform/errors';
import { lineOf, parseLog, type JournaledTap, type JournalRecord } from './journal_format.ts';
import { transitReasons } from '@citypass/contracts';

export const journalFileName = 'taps.v1.log';
const compactingFileName = 'taps.v1.log.compacting';

export type TapJournalOptions = {
  /** Taps kept waiting for upload at most; beyond it appends fail with GATE_JOURNAL_FULL. Default 100,000. */
  readonly maxPendingTaps?: number;
  /** Acknowledged lines that trigger a compaction (once they also outnumber the pending taps). Default 10,000. */
  readonly compactAfterDeadLines?: number;
  readonly onWarning?: (message: string, error: unknown) => void;
};

/** What opening found: pending taps, and lines skipped (a torn tail after a crash, or damage). */
export type JournalRecovery = {
  readonly pendingTaps: number;
  readonly skippedLines: number;
  readonly truncatedBytes: number;
};

export type JournalStats = {
  readonly syncs: number;
  readonly sizeBytes: number;
  readonly compactions: number;
  readonly deadLines: number;
};

type QueuedLine = { readonly line: string; readonly apply: () => void; readonly settle: (error?: DomainError) => void };

export class TapJournal {
  readonly #dir: string;
  readonly #maxPendingTaps: number;
  readonly #compactAfterDeadLines: number;
  readonly #onWarning: (message: string, error: unknown) => void;
  readonly #pending = new Map<string, JournaledTap>();
  #file: FileHandle;
  #sizeBytes: number;
  #deadLines = 0;
  #nextCompactionAt: number;
  #queue: QueuedLine[] = [];
  #queuedTaps = 0;
  #writing: Promise<void> | undefined;
  #closed = false;
  #syncs = 0;
  #compactions = 0;
  #recovery: JournalRecovery = { pendingTaps: 0, skippedLines: 0, truncatedBytes: 0 };

  private constructor(dir: string, file: FileHandle, sizeBytes: number, options: TapJournalOptions) {
    this.#dir = dir;
    this.#file = file;
    this.#sizeBytes = sizeBytes;
    this.#maxPendingTaps = options.maxPendingTaps ?? 100_000;
    this.#compactAfterDeadLines = options.compactAfterDeadLines ?? 10_000;
    this.#nextCompactionAt = this.#compactAfterDeadLines;
    this.#onWarning = options.onWarning ?? (() => undefined);
  }

  /** Opens (or creates) the journal in `dir`, cutting off a torn last line. */
  static async open(dir: string, options: TapJournalOptions = {}): Promise<TapJournal> {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rm(join(dir, compactingFileName), { force: true }); // a compaction a crash interrupted: the log is intact
      const path = join(dir, journalFileName);
      const bytes = await readFile(path).catch((error: unknown) => {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
        throw error;
      });
      const parsed = parseLog(bytes);
      const file = await open(path, 'a', 0o600);
      if (parsed.completeBytes < bytes.length) {
        await file.truncate(parsed.completeBytes);
        await file.datasync();
      }
      await syncDirectory(dir);
      const journal = new TapJournal(dir, file, parsed.completeBytes, options);
      for (const record of parsed.records) journal.#apply(record);
      const truncatedBytes = bytes.length - parsed.completeBytes;
      journal.#recovery = { pendingTaps: journal.#pending.size, skippedLines: parsed.skippedLines, truncatedBytes };
      return journal;
    } catch (error) {
      throw new DomainError(
        'unavailable',
        transitReasons.GATE_JOURNAL_UNAVAILABLE,
        `tap journal in ${dir} cannot be opened`,
        { cause: error },
      );
    }
  }

  get recovery(): JournalRecovery {
    return this.#recovery;
  }

  get pendingCount(): number {
    return this.#pending.size;
  }

  /** Where the journal lives; the uploader's dead-letter file goes next to it. */
  get directory(): string {
    return this.#dir;
  }

  isPending(tapId: string): boolean {
    return this.#pending.has(tapId);
  }

  /** The newest pending tap's id (a walk over the pending taps: for flush(), not for every tap). */
  newestPendingTapId(): string | undefined {
    let newest: string | undefined;
    for (const tapId of this.#pending.keys()) newest = tapId;
    return newest;
  }

  get stats(): JournalStats {
    return {
      syncs: this.#syncs,
      sizeBytes: this.#sizeBytes,
      compactions: this.#compactions,
      deadLines: this.#deadLines,
    };
  }

  /** The oldest pending taps, at most `limit`. */
  pendingTaps(limit: number): JournaledTap[] {
    const taps: JournaledTap[] = [];
    for (const tap of this.#pending.values()) {
      if (taps.length >= limit) break;
      taps.push(tap);
    }
    return taps;
  }

  /** Resolves once the tap is on disk (fdatasync'd); it is pending from then on. */
  append(tap: JournaledTap): Promise<void> {
    if (this.#pending.size + this.#queuedTaps >= this.#maxPendingTaps) {
      return Promise.reject(
        new DomainError(
          'resource_exhausted',
          transitReasons.GATE_JOURNAL_FULL,
          `${this.#maxPendingTaps} taps are waiting for upload`,
        ),
      );
    }
    this.#queuedTaps++;
    return this.#enqueue({ tap }, () => {
      this.#queuedTaps--;
    });
  }

  /** Forgets taps the service holds or refused for good. Losing this in a crash only means uploading them again. */
  acknowledge(tapIds: readonly string[]): Promise<void> {
    const known = tapIds.filter((tapId) => this.#pending.has(tapId));
    return known.length === 0 ? Promise.resolve() : this.#enqueue({ ack: known }, () => undefined);
  }

  /** Waits for writes in progress, then closes the file; later appends fail. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#writing;
    await this.#file.close();
  }

  #enqueue(record: JournalRecord, release: () => void): Promise<void> {
    if (this.#closed)
      return Promise.reject(
        new DomainError('unavailable', transitReasons.GATE_JOURNAL_UNAVAILABLE, 'tap journal is closed'),
      );
    return new Promise((resolve, reject) => {
      const settle = (error?: DomainError): void => {
        release();
        if (error === undefined) resolve();
        else reject(error);
      };
      this.#queue.push({
        line: lineOf(record),
        apply: () => {
          this.#apply(record);
        },
        settle,
      });
      // One writer at a time; what is queued while it writes and syncs goes out together in its next round.
      this.#writing ??= Promise.resolve().then(() => this.#drain());
    });
  }

  async #drain(): Promise<void> {
    for (;;) {
      const batch = this.#queue;
      if (batch.length === 0) {
        this.#writing = undefined;
        return;
      }
      this.#queue = [];
      const text = batch.map((queued) => queued.line).join('');
      const written = await this.#write(text);
      for (const queued of batch) {
        if (written === undefined) queued.apply();
        queued.settle(written);
      }
      if (written === undefined && this.#deadLines >= this.#nextCompactionAt && this.#deadLines >= this.#pending.size) {
        await this.#compact();
      }
    }
  }

  /** Appends and syncs; on failure cuts the file back so no partial line stays in the middle of it. */
  async #write(text: string): Promise<DomainError | undefined> {
    try {
      await this.#file.appendFile(text);
      await this.#file.datasync();
      this.#syncs++;
      this.#sizeBytes += Buffer.byteLength(text);
      return undefined;
    } catch (error) {
      await this.#file.truncate(this.#sizeBytes).catch((truncateError: unknown) => {
        this.#onWarning('tap journal could not cut back a failed write', truncateError);
      });
      return new DomainError(
        'unavailable',
        transitReasons.GATE_JOURNAL_UNAVAILABLE,
        'tap could not be written to the journal',
        { cause: error },
      );
    }
  }

  #apply(record: JournalRecord): void {
    if ('tap' in record) {
      this.#pending.set(record.tap.tapId, record.tap);
      return;
    }
    this.#deadLines++;
    for (const tapId of record.ack) if (this.#pending.delete(tapId)) this.#deadLines++;
  }

  async #compact(): Promise<void> {
    const temporary = join(this.#dir, compactingFileName);
    const text = [...this.#pending.values()].map((tap) => lineOf({ tap })).join('');
    let next: FileHandle | undefined;
    try {
      await rm(temporary, { force: true });
      next = await open(temporary, 'ax', 0o600);
      await next.appendFile(text);
      await next.datasync();
      await rename(temporary, join(this.#dir, journalFileName));
    } catch (error) {
      await next?.close().catch(() => undefined);
      await rm(temporary, { force: true }).catch(() => undefined);
      this.#nextCompactionAt = this.#deadLines * 2; // try again once there is twice as much to gain
      this.#onWarning('tap journal compaction failed; the journal keeps growing until it works', error);
      return;
    }
    // Renamed: `next` is the journal now, whatever happens below.
    const previous = this.#file;
    this.#file = next;
    this.#sizeBytes = Buffer.byteLength(text);
    this.#deadLines = 0;
    this.#nextCompactionAt = this.#compactAfterDeadLines;
    this.#compactions++;
    await previous.close().catch(() => undefined);
    await syncDirectory(this.#dir).catch((error: unknown) => {
      this.#onWarning('tap journal directory could not be synced after compaction', error);
    });
  }
}

/** Makes a rename or a new file in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
