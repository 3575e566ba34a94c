// Group commit: items submitted while a batch is being committed wait, and go together in the next batch, so many
// concurrent writes share one transaction and one commit (one WAL flush) instead of one each. No timer decides when
// a batch leaves: an item that finds nothing in flight leaves at the end of the current turn of the event loop
// (setImmediate, with whatever else that turn submitted); an item that finds a batch in flight leaves with the
// next one, as soon as that batch is done. A batch holds at most `maxBatch` items; the rest wait for the next.
//
// `commit` runs one batch and answers each item on its own: a refused item is refused alone, the others commit.
// If `commit` itself fails (the connection dropped, the statement failed as a whole) every item of that batch
// fails with that error: none of them committed.
//
// An item carries its caller's deadline. One whose deadline has passed by the time its batch is formed is dropped
// (deadline_exceeded DEADLINE_EXCEEDED) and never reaches `commit`: its caller has gone, and committing it would be
// work for nobody that also takes its idempotency key. Once an item is in a batch handed to `commit` it is never
// dropped: it commits or is refused by the database, whatever the clock says.
import assert from 'node:assert/strict';
import { context, trace, type Context, type Link } from '@opentelemetry/api';
import { DomainError } from './errors.ts';
import { commonReasons } from './reasons.ts';
import { inSpan } from './spans.ts';

export type ItemOutcome<Result> =
  | { readonly ok: true; readonly value: Result }
  | { readonly ok: false; readonly error: unknown };

export interface GroupCommitOptions<Item, Result> {
  /** The most items in one batch (>= 1). */
  readonly maxBatch: number;
  /** Commits the items together; one outcome per item, in their order. */
  readonly commit: (items: readonly Item[]) => Promise<readonly ItemOutcome<Result>[]>;
  /** Called with each batch's size as it leaves (a histogram's feed). */
  readonly onBatch?: (size: number) => void;
  /** Called with the number of items dropped, past their deadline, as a batch was formed (when there were any). */
  readonly onExpired?: (dropped: number) => void;
  /** The clock deadlines are compared with; default Date.now. */
  readonly now?: () => number;
  /**
   * The batch's span: a child of its first item's span, linked to every other item's, so each item's trace leads
   * to the one commit that carried it.
   */
  readonly spanName?: string;
}

const tracer = trace.getTracer('citypass-group-commit');

interface Waiting<Item, Result> {
  readonly item: Item;
  /** The caller's deadline (epoch ms): past it, the item is dropped before its batch is committed. */
  readonly deadlineMs: number;
  /** The submitter's context (its span), for the batch span's parent or links. */
  readonly context: Context;
  readonly resolve: (value: Result) => void;
  readonly reject: (error: unknown) => void;
}

export class GroupCommit<Item, Result> {
  readonly #options: GroupCommitOptions<Item, Result>;
  #queue: Waiting<Item, Result>[] = [];
  /** A batch is being committed, or one is scheduled to leave this turn. */
  #busy = false;

  constructor(options: GroupCommitOptions<Item, Result>) {
    assert.ok(Number.isInteger(options.maxBatch) && options.maxBatch >= 1, 'maxBatch must be a whole number >= 1');
    this.#options = options;
  }

  /** Items waiting for a batch (not the one in flight): a gauge. */
  get waiting(): number {
    return this.#queue.length;
  }

  /** `deadlineMs`: the caller's (epoch ms); by default none. */
  submit(item: Item, deadlineMs = Number.POSITIVE_INFINITY): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, deadlineMs, context: context.active(), resolve, reject });
      if (this.#busy) return;
      this.#busy = true;
      setImmediate(() => {
        void this.#drain();
      });
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#nextBatch();
      if (batch.length === 0) continue;
      this.#options.onBatch?.(batch.length);
      await this.#commit(batch);
    }
    this.#busy = false;
  }

  /** Up to maxBatch items from the head of the queue whose deadline has not passed; the expired ones are refused. */
  #nextBatch(): Waiting<Item, Result>[] {
    const nowMs = (this.#options.now ?? Date.now)();
    const batch: Waiting<Item, Result>[] = [];
    let taken = 0;
    let dropped = 0;
    for (const waiting of this.#queue) {
      if (batch.length === this.#options.maxBatch) break;
      taken++;
      if (waiting.deadlineMs > nowMs) {
        batch.push(waiting);
        continue;
      }
      dropped++;
      waiting.reject(
        new DomainError(
          'deadline_exceeded',
          commonReasons.DEADLINE_EXCEEDED,
          "the caller's deadline passed while this write waited for a batch; nothing was written",
        ),
      );
    }
    this.#queue = this.#queue.slice(taken);
    if (dropped > 0) this.#options.onExpired?.(dropped);
    return batch;
  }

  async #commit(batch: readonly Waiting<Item, Result>[]): Promise<void> {
    let outcomes: readonly ItemOutcome<Result>[];
    const first = batch[0] as Waiting<Item, Result>;
    const links: Link[] = [];
    for (const waiting of batch.slice(1)) {
      const linked = trace.getSpanContext(waiting.context);
      if (linked !== undefined) links.push({ context: linked });
    }
    const attributes = { 'citypass.batch.size': batch.length };
    try {
      outcomes = await context.with(first.context, () =>
        inSpan(tracer, this.#options.spanName ?? 'group commit', { links, attributes }, () =>
          this.#options.commit(batch.map((waiting) => waiting.item)),
        ),
      );
    } catch (error) {
      for (const waiting of batch) waiting.reject(error);
      return;
    }
    assert.equal(outcomes.length, batch.length, 'commit must answer every item of its batch');
    for (const [index, waiting] of batch.entries()) {
      const outcome = outcomes[index] as ItemOutcome<Result>;
      if (outcome.ok) waiting.resolve(outcome.value);
      else waiting.reject(outcome.error);
    }
  }
}
