// Group commit: items submitted while a batch is being committed wait, and go together in the next batch, so many
// concurrent writes share one transaction and one commit (one WAL flush) instead of one each. No timer decides when
// a batch leaves: an item that finds nothing in flight leaves at the end of the current turn of the event loop
// (setImmediate, with whatever else that turn submitted); an item that finds a batch in flight leaves with the
// next one, as soon as that batch is done. A batch holds at most `maxBatch` items; the rest wait for the next.
//
// `commit` runs one batch and answers each item on its own: a refused item is refused alone, the others commit.
// If `commit` itself fails (the connection dropped, the statement failed as a whole) every item of that batch
// fails with that error: none of them committed.
import assert from 'node:assert/strict';
import { context, trace, type Context, type Link } from '@opentelemetry/api';
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
  /**
   * The batch's span: a child of its first item's span, linked to every other item's, so each item's trace leads
   * to the one commit that carried it.
   */
  readonly spanName?: string;
}

const tracer = trace.getTracer('citypass-group-commit');

interface Waiting<Item, Result> {
  readonly item: Item;
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

  submit(item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      this.#queue.push({ item, context: context.active(), resolve, reject });
      if (this.#busy) return;
      this.#busy = true;
      setImmediate(() => {
        void this.#drain();
      });
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.slice(0, this.#options.maxBatch);
      this.#queue = this.#queue.slice(batch.length);
      this.#options.onBatch?.(batch.length);
      await this.#commit(batch);
    }
    this.#busy = false;
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
