// Operator sessions shared by every console replica and kept across restarts: one entry per session in a NATS
// JetStream KV bucket. NATS rather than a PostgreSQL database of the console's own: the console already connects to
// NATS (and keeps no other data, so a database would exist for sessions alone); a bucket's TTL drops idle entries
// without a sweeper; revisions give compare-and-set for every change (and so one token refresh at a time across
// replicas); and a NATS cluster replicates the bucket (CONSOLE_SESSION_BUCKET_REPLICAS).
//
// The key is the SHA-256 of the cookie's session id, so the bucket's keys cannot be used as cookies. The value is
// the session as JSON sealed with AES-256-GCM under CONSOLE_SESSION_KEYS (platform key_ring), bound to the key: an
// entry copied under another key, altered, or sealed under a key the ring does not hold is refused and deleted, and
// the browser starts over at sign-in. Lifetime: idle (lastSeenMs, written at most once a touch interval) and
// absolute (createdAtMs), both checked on every load; the bucket's TTL only collects what nobody loads again.
import { createHash, randomBytes } from 'node:crypto';
import { JetStreamApiCodes, StorageType, type JetStreamClient } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { isApiError } from '@citypass/platform/bus';
import type { KeyRing } from '@citypass/platform/key_ring';
import type { Logger } from '@citypass/platform/log';
import { sessionExpired, type Session, type SessionData } from './sessions.ts';

export interface SessionStoreOptions {
  readonly bucket: string;
  /** Copies of the bucket in a NATS cluster (1, 3 or 5). */
  readonly replicas: number;
  readonly ring: KeyRing;
  readonly idleMs: number;
  /** However active, a session ends this long after its sign-in started. */
  readonly lifetimeMs: number;
  readonly logger: Logger;
  readonly now?: () => number;
}

const formatVersion = 1;
/** Limits: the whole bucket (a flood of sign-ins fills it, then new sessions are refused) and one value. */
const maxBucketBytes = 256 * 1024 * 1024;
const maxValueBytes = 64 * 1024;
/** Compare-and-set rounds for one change before giving up (each round is a read and a conditional put). */
const changeAttempts = 8;
/** The bucket keeps an entry this much longer than the idle timeout (replicas' clocks differ a little). */
const ttlMarginMs = 60_000;

export class SessionStore {
  readonly #kv: KV;
  readonly #options: SessionStoreOptions;
  readonly #touchEveryMs: number;

  private constructor(kv: KV, options: SessionStoreOptions) {
    this.#kv = kv;
    this.#options = options;
    this.#touchEveryMs = Math.min(60_000, Math.floor(options.idleMs / 4));
  }

  /** Opens the bucket, creating it the first time (an existing bucket keeps its settings). */
  static async open(js: JetStreamClient, options: SessionStoreOptions): Promise<SessionStore> {
    const kv = await new Kvm(js).create(options.bucket, {
      history: 1,
      ttl: options.idleMs + ttlMarginMs,
      replicas: options.replicas,
      max_bytes: maxBucketBytes,
      maxValueSize: maxValueBytes,
      storage: StorageType.File,
    });
    const { ttl } = await kv.status();
    // An existing bucket keeps the TTL it was made with; the idle check on load still applies the configured one.
    if (ttl !== options.idleMs + ttlMarginMs)
      options.logger.warn('console session bucket TTL differs from CONSOLE_SESSION_IDLE_S', { bucket: options.bucket });
    return new SessionStore(kv, options);
  }

  /** The live session with this cookie value; undefined when unknown, ended, expired or unreadable. */
  async load(id: string | undefined): Promise<Session | undefined> {
    if (id === undefined || id === '' || id.length > 128) return undefined;
    const stored = await this.#read(id);
    if (stored === undefined) return undefined;
    const now = this.#now();
    const { data } = stored;
    if (now - data.lastSeenMs > this.#options.idleMs || now - data.createdAtMs > this.#options.lifetimeMs) {
      await this.delete(id);
      return undefined;
    }
    const session: Session = { id, revision: stored.revision, ...data };
    if (now - data.lastSeenMs >= this.#touchEveryMs)
      await this.change(session, (latest) => {
        latest.lastSeenMs = Math.max(latest.lastSeenMs, now);
      }).catch((error: unknown) => {
        // Not being marked as seen only shortens the idle time; the request goes on.
        this.#options.logger.warn('console session touch failed', { error: errorName(error) });
      });
    return session;
  }

  /** A new, empty session (no operator yet). */
  async create(content: Omit<SessionData, 'csrfToken' | 'createdAtMs' | 'lastSeenMs'> = {}): Promise<Session> {
    const now = this.#now();
    const id = randomBytes(32).toString('base64url');
    const data: SessionData = {
      ...content,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAtMs: now,
      lastSeenMs: now,
    };
    const revision = await this.#kv.create(keyOf(id), this.#seal(id, data));
    return { id, revision, ...data };
  }

  /**
   * Applies `mutate` to the latest stored copy and writes it if the entry has not changed meanwhile (else reads and
   * applies again); `session` then holds what is stored. Throws SESSION_EXPIRED when the session is gone (signed out
   * on another replica).
   */
  async change(session: Session, mutate: (data: SessionData) => void): Promise<void> {
    await this.changeIf(session, (data) => {
      mutate(data);
      return true;
    });
  }

  /** As change(), but `mutate` may decline (return false): nothing is written; `session` is still brought up to date. */
  async changeIf(session: Session, mutate: (data: SessionData) => boolean): Promise<boolean> {
    for (let attempt = 0; attempt < changeAttempts; attempt++) {
      const stored = await this.#read(session.id);
      if (stored === undefined) throw sessionExpired();
      if (!mutate(stored.data)) {
        replaceContent(session, stored.revision, stored.data);
        return false;
      }
      try {
        const revision = await this.#kv.update(keyOf(session.id), this.#seal(session.id, stored.data), stored.revision);
        replaceContent(session, revision, stored.data);
        return true;
      } catch (error) {
        if (!isWrongRevision(error)) throw error;
      }
    }
    throw new Error(`console session changed concurrently ${changeAttempts} times`);
  }

  /** The same content under a new id and CSRF token (done at sign-in: an id known before it is worthless). */
  async renew(session: Session): Promise<Session> {
    const {
      id: _id,
      revision: _revision,
      csrfToken: _csrf,
      createdAtMs: _created,
      lastSeenMs: _seen,
      ...content
    } = session;
    const renewed = await this.create(content);
    await this.delete(session.id);
    return renewed;
  }

  /** Ends the session on every replica: its next load finds nothing. */
  async delete(id: string): Promise<void> {
    await this.#kv.purge(keyOf(id));
  }

  async #read(id: string): Promise<{ revision: number; data: SessionData } | undefined> {
    const entry = await this.#kv.get(keyOf(id));
    if (entry === null || entry.operation !== 'PUT') return undefined;
    try {
      const data = JSON.parse(this.#options.ring.open(entry.value, contextOf(id)).toString('utf8')) as {
        v?: unknown;
      } & SessionData;
      if (data.v !== formatVersion) throw new Error('unknown session format');
      delete data.v;
      return { revision: entry.revision, data };
    } catch (error) {
      // Altered, copied from another key, sealed under a key no longer held, or an older format: refused and
      // removed. Only the error's name is logged: never the value, the key or the id.
      this.#options.logger.warn('console session unreadable; removed', { error: errorName(error) });
      await this.#kv.purge(keyOf(id));
      return undefined;
    }
  }

  #seal(id: string, data: SessionData): Uint8Array {
    return this.#options.ring.seal(JSON.stringify({ v: formatVersion, ...data }), contextOf(id));
  }

  #now(): number {
    return (this.#options.now ?? Date.now)();
  }
}

/** The bucket key of a session id (the id itself is never stored). */
export function keyOf(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/** What a session's value is sealed for: its own key, so a value moved under another key does not open. */
export function contextOf(id: string): string {
  return `console_session:${keyOf(id)}`;
}

function replaceContent(session: Session, revision: number, data: SessionData): void {
  for (const field of Object.keys(session))
    if (field !== 'id' && field !== 'revision') Reflect.deleteProperty(session, field);
  Object.assign(session, data);
  session.revision = revision;
}

function isWrongRevision(error: unknown): boolean {
  return (
    isApiError(error, JetStreamApiCodes.StreamWrongLastSequence) ||
    isApiError(error, JetStreamApiCodes.StreamWrongLastSequenceUnknown)
  );
}

const errorName = (error: unknown): string => (error instanceof Error ? error.name : 'unknown');
