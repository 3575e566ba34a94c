// A database that cannot be reached, or that dropped the connection mid-statement (a restart, a failover, an
// administrator ending the session), is UNAVAILABLE to the caller: nothing was committed, so the call can be retried.
// Any other database error stays what it is (INTERNAL at the edge). Kept here until platform's pg maps it for all.
import { DomainError } from '@citypass/platform/errors';
import { pgErrorCode } from '@citypass/platform/pg';

/** SQLSTATE classes and codes that mean the connection failed: 08 connection exception, 57P0x shutdown, 53300. */
const unavailableCodes = /^(08...|57P0[123]|53300)$/;
const socketCodes = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);
/** node-postgres reports a lost or unobtainable connection without a code. */
const connectionMessages = /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = pgErrorCode(error) ?? '';
  if (unavailableCodes.test(code) || socketCodes.has(code)) return true;
  return error instanceof Error && connectionMessages.test(error.message);
}

/** Runs a database call; a connection failure becomes DATABASE_UNAVAILABLE (the cause kept for the log). */
export async function orUnavailable<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (isDatabaseUnavailable(error)) throw new DomainError('unavailable', 'DATABASE_UNAVAILABLE', 'the database is unavailable; retry', { cause: error });
    throw error;
  }
}
