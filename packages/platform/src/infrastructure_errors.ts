// Failures of the systems a service stands on (its database, a socket to any backend) are not bugs: the caller may retry them.
// The edges (gRPC, NATS request/reply) turn them into `unavailable` DomainErrors with a stable reason instead of
// INTERNAL. Recognised by shape only (SQLSTATE, Node's socket error codes, node-postgres's own messages), so this
// module imports no driver.
import { DomainError } from './errors.ts';
import { commonReasons } from './reasons.ts';

/** SQLSTATEs that say the database could not do the work now, though the request was fine. */
const unavailableStates = new Map<string, string>([
  ['57P01', 'the database connection was terminated'], // admin_shutdown: pg_terminate_backend, failover
  ['57P02', 'the database connection was terminated'], // crash_shutdown
  ['57P03', 'the database is starting or stopping'], // cannot_connect_now
  ['25P03', 'the database connection was idle in a transaction too long'], // idle_in_transaction_session_timeout
]);

/** SQLSTATEs that say the database is working but too busy for this now: DATABASE_BUSY, like the pool's timeout. */
const busyStates = new Map<string, string>([
  ['53300', 'the database has no free connections'], // too_many_connections
  ['55P03', 'a lock could not be taken in time'], // lock_not_available (lock_timeout)
]);

const socketCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** node-postgres's own errors for a lost or missing connection (they carry no code). */
const driverMessages = [
  /^Connection terminated/,
  /not queryable$/, // "Client has encountered a connection error and is not queryable", "Client was closed ..."
];

/** The pool waited `connectionTimeoutMillis` for a free connection: too much work, not a broken database. */
const poolTimeout = /^timeout exceeded when trying to connect$/;

export const databaseUnavailableReason = commonReasons.DATABASE_UNAVAILABLE;
export const databaseBusyReason = commonReasons.DATABASE_BUSY;
export const backendUnavailableReason = commonReasons.BACKEND_UNAVAILABLE;

/**
 * The DomainError an infrastructure failure stands for, or undefined when `error` is something else (a bug).
 * DomainErrors are returned as they are.
 */
export function asRetryableFailure(error: unknown): DomainError | undefined {
  if (error instanceof DomainError) return error;
  if (!(error instanceof Error)) return undefined;
  const code = 'code' in error && typeof error.code === 'string' ? error.code : undefined;
  if (code !== undefined) {
    const described = unavailableStates.get(code);
    if (described !== undefined)
      return new DomainError('unavailable', databaseUnavailableReason, `${described}; retry`, { cause: error });
    const busy = busyStates.get(code);
    if (busy !== undefined)
      return new DomainError('unavailable', databaseBusyReason, `${busy}; retry`, { cause: error });
    if (code.startsWith('08'))
      return new DomainError('unavailable', databaseUnavailableReason, 'the database connection failed; retry', {
        cause: error,
      });
    if (socketCodes.has(code))
      return new DomainError('unavailable', backendUnavailableReason, 'a backend could not be reached; retry', {
        cause: error,
      });
  }
  if (poolTimeout.test(error.message)) {
    return new DomainError('unavailable', databaseBusyReason, 'no database connection was free in time; retry', {
      cause: error,
    });
  }
  if (driverMessages.some((pattern) => pattern.test(error.message))) {
    return new DomainError('unavailable', databaseUnavailableReason, 'the database connection was lost; retry', {
      cause: error,
    });
  }
  return undefined;
}
