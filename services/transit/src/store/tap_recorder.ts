// Records the taps gates opened for (app's TapRecorder). Many gates tap at once, so taps that arrive while a write
// is in flight are written together by the next one: one statement and one commit for the batch (group commit, no
// timers). One statement inserts the taps and marks their riders due for settlement.
import { arrayLiteral, type Pool } from '@citypass/platform/pg';
import type { RecordOutcome, TapRecord, TapRecorder } from '../app/transit_store.ts';

const maxBatch = 500;

const insertSql = `
WITH input AS (
  SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::timestamptz[], $6::uuid[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[], $13::text[])
    AS t(id, gate_id, station_id, direction, tapped_at, resident_id, credential_id, concession, presentation_nonce, presentation, source, trace_context, gate_client)
), inserted AS (
  INSERT INTO taps (id, gate_id, station_id, direction, tapped_at, resident_id, credential_id, concession, presentation_nonce, presentation, source, trace_context, gate_client)
  SELECT * FROM input
  ON CONFLICT DO NOTHING
  RETURNING id, gate_id, gate_client, direction, presentation_nonce, resident_id, concession
), due AS (
  INSERT INTO riders AS r (resident_id, concession)
  SELECT DISTINCT ON (resident_id) resident_id, concession FROM inserted ORDER BY resident_id
  ON CONFLICT (resident_id) DO UPDATE SET tap_version = r.tap_version + 1, concession = EXCLUDED.concession, updated_at = now()
)
SELECT id, gate_id, gate_client, direction, presentation_nonce FROM inserted`;

/** The tap's fields that are text, each written as a text (or uuid) array. */
type TextField = { [K in keyof TapRecord]: TapRecord[K] extends string ? K : never }[keyof TapRecord];

/** What identifies a tap beyond its id: a repeat must match it all. */
interface TapRow {
  readonly id: string;
  readonly gate_id: string;
  readonly gate_client: string | null;
  readonly direction: string;
  readonly presentation_nonce: string;
}

export class PostgresTapRecorder implements TapRecorder {
  readonly #pool: Pool;
  #queue: { record: TapRecord; resolve: (outcome: RecordOutcome) => void; reject: (error: unknown) => void }[] = [];
  #writing = false;

  constructor(pool: Pool) {
    this.#pool = pool;
  }

  record(record: TapRecord): Promise<RecordOutcome> {
    return new Promise((resolve, reject) => {
      this.#queue.push({ record, resolve, reject });
      if (!this.#writing) {
        this.#writing = true;
        void this.#drain();
      }
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      // Each batch is cut at the end of the event loop's turn, not at the first tap: the taps whose requests were
      // read in the same turn (one socket read holds many) are verified one after another, and all of them join the
      // batch instead of the first going alone. Under load that is fewer, larger statements (CPU per tap in
      // transit, pg and PostgreSQL); idle, it costs one turn.
      await new Promise((resolve) => setImmediate(resolve));
      const batch = this.#queue.splice(0, maxBatch);
      try {
        const outcomes = await this.recordBatch(batch.map((item) => item.record));
        batch.forEach((item, index) => {
          item.resolve(outcomes[index] ?? 'already_recorded');
        });
      } catch (error) {
        for (const item of batch) item.reject(error);
      }
    }
    this.#writing = false;
  }

  /** Writes taps in one statement; the outcome of each, in order. A lost database is UNAVAILABLE at the edge. */
  async recordBatch(records: readonly TapRecord[]): Promise<RecordOutcome[]> {
    // Each column as its array's literal text (platform arrayLiteral: what pg writes for an array, in one pass).
    const column = (key: TextField): string => arrayLiteral(records.map((record) => record[key]));
    const result = await this.#pool.query<TapRow>(insertSql, [
      column('id'),
      column('gateId'),
      column('stationId'),
      column('direction'),
      arrayLiteral(records.map((record) => new Date(record.tappedAtMs))),
      column('residentId'),
      column('credentialId'),
      column('concession'),
      column('presentationNonce'),
      column('presentation'),
      column('source'),
      arrayLiteral(records.map((record) => JSON.stringify(record.traceContext))),
      column('gateClient'),
    ]);
    const inserted = new Map(result.rows.map((row) => [row.id, row]));
    const conflicts = records.filter((record) => !inserted.has(record.id));
    const known =
      conflicts.length === 0
        ? []
        : (
            await this.#pool.query<TapRow>(
              'SELECT id, gate_id, gate_client, direction, presentation_nonce FROM taps WHERE id = ANY($1) OR presentation_nonce = ANY($2)',
              [conflicts.map((record) => record.id), conflicts.map((record) => record.presentationNonce)],
            )
          ).rows;
    const claimed = new Set<string>();
    return records.map((record) => {
      const row = inserted.get(record.id) ?? known.find((candidate) => candidate.id === record.id);
      if (row !== undefined) {
        if (!sameTap(row, record)) return 'tap_id_reused';
        if (!inserted.has(record.id) || claimed.has(record.id)) return 'already_recorded';
        claimed.add(record.id);
        return 'recorded';
      }
      return known.some((candidate) => candidate.presentation_nonce === record.presentationNonce)
        ? 'replayed'
        : 'same_instant';
    });
  }
}

/** The same tap sent again: same presentation, gate, direction and client (taps from before clients were kept: any). */
function sameTap(row: TapRow, record: TapRecord): boolean {
  return (
    row.presentation_nonce === record.presentationNonce &&
    row.gate_id === record.gateId &&
    row.direction === record.direction &&
    (row.gate_client === null || row.gate_client === record.gateClient)
  );
}
