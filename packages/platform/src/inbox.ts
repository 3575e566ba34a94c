// The inbox: consumers record the event ids they processed in the transaction of the effects, so a message
// delivered twice is skipped.
import type { Queryable } from './pg.ts';

/** Records that `consumer` processed `eventId`; true the first time. Call it in the transaction of the effects. */
export async function processOnce(client: Queryable, consumer: string, eventId: string): Promise<boolean> {
  const result = await client.query('INSERT INTO inbox (consumer, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    consumer,
    eventId,
  ]);
  return result.rowCount === 1;
}
