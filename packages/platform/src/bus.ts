// NATS for services: one connection per process that outlives broker restarts, request/reply that carries the
// caller's deadline and returns DomainErrors intact, queue-group servers, and idempotent JetStream streams.
import { SpanKind, SpanStatusCode, trace, type SpanOptions } from '@opentelemetry/api';
import {
  connect,
  createInbox,
  headers as natsHeaders,
  nanos,
  RequestError,
  TimeoutError,
  type Msg,
  type MsgHdrs,
  type NatsConnection,
} from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  JetStreamApiCodes,
  JetStreamApiError,
  type JetStreamClient,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import {
  boundedMessage,
  decodeErrorMetadata,
  DomainError,
  encodeErrorMetadata,
  isDomainError,
  type ErrorKind,
} from './errors.ts';
import { asRetryableFailure } from './infrastructure_errors.ts';
import type { ClientCredentials } from './client_credentials.ts';
import type { Logger } from './log.ts';
import { commonReasons } from './reasons.ts';
import { extractTrace, injectTrace } from './trace_headers.ts';

export const deadlineHeader = 'Citypass-Deadline';
export const errorKindHeader = 'Citypass-Error-Kind';
export const errorReasonHeader = 'Citypass-Error-Reason';
/** A DomainError's metadata, URL-encoded (errors.ts encodeErrorMetadata); absent when it has none. */
export const errorMetadataHeader = 'Citypass-Error-Metadata';

const tracer = trace.getTracer('@citypass/platform/bus');

export interface Bus {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Drains subscriptions and pending publishes, then closes (at most a few seconds). */
  close(): Promise<void>;
}

export async function connectBus(options: { servers: string | string[]; name: string; logger?: Logger }): Promise<Bus> {
  const { servers, user, pass } = credentialsFromUrls(options.servers);
  // A NATS user's replies, JetStream deliveries and KV watches come to `_INBOX.<user>.`, so the broker can let
  // each user read only its own (deploy/k8s nats.conf).
  const inboxPrefix = user === undefined ? '_INBOX' : `_INBOX.${user}`;
  const nc = await connect({
    servers,
    ...(user === undefined ? {} : { user, pass: pass ?? '', inboxPrefix }),
    name: options.name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 250,
    waitOnFirstConnect: false,
    // By default nats.js builds a RequestError and a TimeoutError for every request (every JetStream publish is
    // one) only to keep the caller's stack for an error that almost never comes: ~15 % of the wallet's NATS
    // client CPU under bench/wallet_charges.ts. A timeout still rejects with a TimeoutError, made when it happens.
    noAsyncTraces: true,
  });
  const gate = createGate();
  gates.set(nc, gate);
  if (user !== undefined) inboxPrefixes.set(nc, inboxPrefix);
  void watchStatus(nc, gate, options.logger);
  const jsm = await jetstreamManager(nc);
  return {
    nc,
    js: jetstream(nc),
    jsm,
    close: () => closeConnection(nc),
  };
}

/**
 * nats.js ignores `user:password@` in server URLs; citypass configures a service's NATS user that way
 * (NATS_URL=nats://wallet:secret@nats:4222), so the credentials are taken out of the URLs and passed as options.
 */
export function credentialsFromUrls(servers: string | string[]): { servers: string[]; user?: string; pass?: string } {
  let user: string | undefined;
  let pass: string | undefined;
  const plain = (Array.isArray(servers) ? servers : servers.split(',')).map((server) => {
    const match = /^([a-z]+:\/\/)([^@/]*)@(.*)$/i.exec(server.trim());
    if (match === null) return server.trim();
    const [, scheme, credentials, rest] = match as unknown as [string, string, string, string];
    const at = credentials.indexOf(':');
    user = decodeURIComponent(at < 0 ? credentials : credentials.slice(0, at));
    pass = at < 0 ? undefined : decodeURIComponent(credentials.slice(at + 1));
    return `${scheme}${rest}`;
  });
  return { servers: plain, ...(user === undefined ? {} : { user }), ...(pass === undefined ? {} : { pass }) };
}

// nats.js 3.x discards what is published while it is disconnected (each reconnect attempt resets its outbound
// buffer), so a request sent during a broker restart would silently wait out its whole deadline. Requests on a
// connection from connectBus therefore wait for the reconnect first.
interface ConnectionGate {
  connected: boolean;
  /** Resolves once connected, or false when `deadlineMs` passes first. */
  ready(deadlineMs: number): Promise<boolean>;
  set(connected: boolean): void;
}

const gates = new WeakMap<NatsConnection, ConnectionGate>();

/** A connection's inbox prefix when connectBus set one (its NATS user's); nats.js does not tell it. */
const inboxPrefixes = new WeakMap<NatsConnection, string>();

/** A new inbox subject on the connection, under the prefix its replies are allowed to come to. */
export function inboxOf(nc: NatsConnection): string {
  return createInbox(inboxPrefixes.get(nc));
}

function createGate(): ConnectionGate {
  const waiters = new Set<() => void>();
  const gate: ConnectionGate = {
    connected: true,
    set: (connected) => {
      gate.connected = connected;
      if (connected) for (const wake of waiters) wake();
    },
    ready: (deadlineMs) => {
      if (gate.connected) return Promise.resolve(true);
      return new Promise((resolve) => {
        const finish = (): void => {
          clearTimeout(timer);
          waiters.delete(finish);
          resolve(gate.connected);
        };
        const timer = setTimeout(finish, Math.max(0, deadlineMs - Date.now()));
        waiters.add(finish);
      });
    },
  };
  return gate;
}

async function watchStatus(nc: NatsConnection, gate: ConnectionGate, logger: Logger | undefined): Promise<void> {
  for await (const status of nc.status()) {
    switch (status.type) {
      case 'disconnect':
        gate.set(false);
        logger?.warn('nats disconnected', { server: status.server });
        break;
      case 'reconnect':
        gate.set(true);
        logger?.info('nats reconnected', { server: status.server });
        break;
      case 'error':
        logger?.error('nats error', { error: status.error });
        break;
      case 'slowConsumer':
        logger?.warn('nats slow consumer', { subject: status.sub.getSubject(), pending: status.pending });
        break;
      case 'staleConnection':
      case 'ldm':
        logger?.warn(`nats ${status.type}`);
        break;
      case 'close':
        gate.set(true); // let waiting requests fail fast on the closed connection
        break;
      case 'reconnecting':
      case 'update':
      case 'ping':
      case 'forceReconnect':
        break;
    }
  }
}

async function closeConnection(nc: NatsConnection): Promise<void> {
  if (nc.isClosed()) return;
  const closed = nc.closed();
  let timer: NodeJS.Timeout | undefined;
  const giveUp = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 3_000);
  });
  await Promise.race([nc.drain().catch(() => undefined), giveUp]);
  clearTimeout(timer);
  if (!nc.isClosed()) await nc.close();
  await closed;
}

// ------------------------------------------------------------------------------------------- request/reply

/**
 * Sends a request that carries the caller's absolute deadline (epoch ms) and trace context; waits no longer than
 * the deadline. An error reply is rethrown as the DomainError the server raised (kind and reason kept).
 */
export async function request(
  nc: NatsConnection,
  subject: string,
  payload: Uint8Array,
  options: { deadlineMs: number; headers?: Readonly<Record<string, string>> },
): Promise<Uint8Array> {
  const remainingMs = Math.ceil(options.deadlineMs - Date.now());
  if (remainingMs <= 0) {
    throw new DomainError(
      'deadline_exceeded',
      commonReasons.DEADLINE_EXCEEDED,
      `deadline passed before ${subject} was sent`,
    );
  }
  if (!(await (gates.get(nc)?.ready(options.deadlineMs) ?? true))) {
    throw new DomainError(
      'deadline_exceeded',
      commonReasons.DEADLINE_EXCEEDED,
      `bus still disconnected at the deadline for ${subject}`,
    );
  }
  const headers = natsHeaders();
  for (const [name, value] of Object.entries(options.headers ?? {})) headers.set(name, value);
  headers.set(deadlineHeader, String(Math.floor(options.deadlineMs)));
  injectTrace(headers);
  let reply: Msg;
  try {
    reply = await nc.request(subject, payload, {
      timeout: Math.max(1, Math.ceil(options.deadlineMs - Date.now())),
      headers,
    });
  } catch (error) {
    throw requestFailure(subject, error);
  }
  const kind = reply.headers?.get(errorKindHeader);
  if (kind) throw errorFromReply(subject, kind, reply);
  return reply.data;
}

function requestFailure(subject: string, error: unknown): DomainError {
  if (error instanceof TimeoutError) {
    return new DomainError(
      'deadline_exceeded',
      commonReasons.DEADLINE_EXCEEDED,
      `no reply from ${subject} before the deadline`,
      { cause: error },
    );
  }
  if (error instanceof RequestError && error.isNoResponders()) {
    return new DomainError('unavailable', commonReasons.NO_RESPONDERS, `no service answers ${subject}`, {
      cause: error,
    });
  }
  return new DomainError('unavailable', commonReasons.BUS_UNAVAILABLE, `request to ${subject} failed`, {
    cause: error,
  });
}

/** A reply saying the server failed in a way it did not describe (its log has the detail). Not a DomainError. */
export class RemoteInternalError extends Error {
  readonly kind = 'internal';
  readonly reason: string;
  readonly subject: string;

  constructor(subject: string, reason: string, message: string) {
    super(message);
    this.name = 'RemoteInternalError';
    this.subject = subject;
    this.reason = reason;
  }
}

const errorKinds: Record<ErrorKind, true> = {
  invalid_argument: true,
  not_found: true,
  already_exists: true,
  failed_precondition: true,
  permission_denied: true,
  unauthenticated: true,
  resource_exhausted: true,
  unavailable: true,
  deadline_exceeded: true,
};

function isErrorKind(value: string): value is ErrorKind {
  return Object.hasOwn(errorKinds, value);
}

function errorFromReply(subject: string, kind: string, reply: Msg): DomainError | RemoteInternalError {
  const reason = reply.headers?.get(errorReasonHeader) || commonReasons.UNKNOWN;
  const message = new TextDecoder().decode(reply.data);
  if (!isErrorKind(kind)) return new RemoteInternalError(subject, reason, message);
  return new DomainError(kind, reason, message, {
    metadata: decodeErrorMetadata(reply.headers?.get(errorMetadataHeader)),
  });
}

// ------------------------------------------------------------------------------------------------- serving

export interface RequestContext {
  /** The caller's absolute deadline (epoch ms); pass it on to downstream calls. */
  readonly deadlineMs: number;
  readonly headers: MsgHdrs | undefined;
}

export interface ServeOptions {
  /** Queue group: replicas of one service share the requests. */
  readonly queue: string;
  readonly handler: (payload: Uint8Array, context: RequestContext) => Promise<Uint8Array>;
  readonly logger?: Logger;
  /** Larger requests are refused with invalid_argument PAYLOAD_TOO_LARGE. Default 1 MiB. */
  readonly maxPayloadBytes?: number;
  /** Requests handled at once; beyond it, resource_exhausted OVERLOADED. Default 256. */
  readonly maxInFlight?: number;
  /** Deadline for requests that carry none. Default 30 s. */
  readonly defaultTimeoutMs?: number;
}

export function serve(nc: NatsConnection, subject: string, options: ServeOptions): { stop(): Promise<void> } {
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.maxInFlight ?? 256;
  // One subject, so one span name and attribute set for every request it serves.
  const serverSpan: ServerSpan = {
    name: `${subject} process`,
    options: { kind: SpanKind.SERVER, attributes: { 'messaging.destination.name': subject } },
  };
  const subscription = nc.subscribe(subject, {
    queue: options.queue,
    callback: (error, msg) => {
      if (error) {
        options.logger?.error('subscription failed', { subject, error });
        return;
      }
      if (inFlight.size >= maxInFlight) {
        respondError(
          msg,
          new DomainError('resource_exhausted', commonReasons.OVERLOADED, `${subject} is overloaded, retry later`),
        );
        return;
      }
      const work = handleRequest(subject, serverSpan, msg, options).finally(() => inFlight.delete(work));
      inFlight.add(work);
    },
  });
  return {
    stop: async () => {
      if (!nc.isClosed()) await subscription.drain().catch(() => undefined); // closed meanwhile: nothing to drain
      await Promise.all(inFlight);
    },
  };
}

interface ServerSpan {
  readonly name: string;
  readonly options: SpanOptions;
}

async function handleRequest(subject: string, serverSpan: ServerSpan, msg: Msg, options: ServeOptions): Promise<void> {
  if (!msg.reply) {
    options.logger?.warn('request without a reply subject dropped', { subject });
    return;
  }
  const deadlineMs = deadlineOf(msg, options.defaultTimeoutMs ?? 30_000);
  if (deadlineMs <= Date.now()) {
    options.logger?.debug('expired request dropped', { subject, lateMs: Date.now() - deadlineMs });
    return;
  }
  const maxPayloadBytes = options.maxPayloadBytes ?? 1024 * 1024;
  if (msg.data.length > maxPayloadBytes) {
    respondError(
      msg,
      new DomainError(
        'invalid_argument',
        commonReasons.PAYLOAD_TOO_LARGE,
        `request larger than ${maxPayloadBytes} bytes`,
      ),
    );
    return;
  }
  const parent = extractTrace(msg.headers);
  await tracer.startActiveSpan(serverSpan.name, serverSpan.options, parent, async (span) => {
    try {
      const reply = await options.handler(msg.data, { deadlineMs, headers: msg.headers });
      msg.respond(reply);
    } catch (thrown) {
      const error = asRetryableFailure(thrown) ?? thrown;
      if (isDomainError(error)) {
        span.setAttribute('citypass.error.reason', error.reason);
        if (error !== thrown)
          options.logger?.warn('request failed on its infrastructure', {
            subject,
            reason: error.reason,
            error: thrown,
          });
        respondError(msg, error);
      } else {
        span.recordException(error instanceof Error ? error : String(error));
        span.setStatus({ code: SpanStatusCode.ERROR });
        options.logger?.error('request handler failed', { subject, error });
        respondError(msg, undefined);
      }
    } finally {
      span.end();
    }
  });
}

function deadlineOf(msg: Msg, defaultTimeoutMs: number): number {
  const raw = msg.headers?.get(deadlineHeader);
  const parsed = raw ? Number(raw) : Number.NaN;
  return Number.isFinite(parsed) ? parsed : Date.now() + defaultTimeoutMs;
}

/** Replies with an error: a DomainError keeps its kind and reason; anything else is a generic internal error. */
function respondError(msg: Msg, error: DomainError | undefined): void {
  const headers = natsHeaders();
  headers.set(errorKindHeader, error?.kind ?? 'internal');
  headers.set(errorReasonHeader, error?.reason ?? commonReasons.INTERNAL);
  const metadata = error ? encodeErrorMetadata(error.metadata) : '';
  if (metadata !== '') headers.set(errorMetadataHeader, metadata);
  const message = boundedMessage(error?.message ?? 'internal error');
  msg.respond(new TextEncoder().encode(message), { headers });
}

// ---------------------------------------------------------------------------------------------- JetStream

export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  /** Messages older than this are removed. Default: kept until limits (none). */
  readonly maxAgeMs?: number;
  /** Window in which a repeated Nats-Msg-Id is dropped. Default 2 minutes. */
  readonly duplicateWindowMs?: number;
}

/** Creates the stream, or updates it to this spec when it exists. Safe to call from every replica at start. */
export async function ensureStream(jsm: JetStreamManager, spec: StreamSpec): Promise<void> {
  const config: Partial<StreamConfig> & { name: string } = {
    name: spec.name,
    subjects: [...spec.subjects],
    max_age: nanos(spec.maxAgeMs ?? 0),
    duplicate_window: nanos(spec.duplicateWindowMs ?? 120_000),
  };
  for (let attempt = 1; ; attempt++) {
    try {
      const existing = await jsm.streams.info(spec.name);
      await jsm.streams.update(spec.name, { ...existing.config, ...config });
      return;
    } catch (error) {
      if (!isApiError(error, JetStreamApiCodes.StreamNotFound)) throw error;
    }
    try {
      await jsm.streams.add(config);
      return;
    } catch (error) {
      // Another replica created it between our info and add: update it on the next turn.
      if (attempt >= 3) throw error;
    }
  }
}

export function isApiError(error: unknown, code: number): boolean {
  return error instanceof JetStreamApiError && error.code === code;
}

/** Opens a KV bucket another service creates; throws while it does not exist yet (nats.js opens lazily). */
export async function openExistingBucket(js: JetStreamClient, bucket: string): Promise<KV> {
  const kv = await new Kvm(js).open(bucket);
  await kv.status();
  return kv;
}

/**
 * Request/reply as a client-credentials caller (a service calling the wallet): each request carries the current
 * access token, and a request refused as unauthenticated is sent once more with a token fetched again (identity
 * may have rotated its keys, or the token may have just expired). Each request gets `timeoutMs` as its deadline.
 */
export function authorizedRequester(
  nc: NatsConnection,
  credentials: ClientCredentials,
  timeoutMs: number,
): (subject: string, payload: Uint8Array) => Promise<Uint8Array> {
  return async (subject, payload) => {
    for (let attempt = 1; ; attempt++) {
      const headers = { Authorization: `Bearer ${await credentials.token()}` };
      try {
        return await request(nc, subject, payload, { deadlineMs: Date.now() + timeoutMs, headers });
      } catch (error) {
        if (attempt === 1 && isDomainError(error) && error.kind === 'unauthenticated') {
          credentials.invalidate();
          continue;
        }
        throw error;
      }
    }
  };
}
