// gRPC server and client plumbing shared by every service: async handlers, one error mapping at the edge,
// deadlines, bearer-token authentication with per-method scopes, the optional admin port (operators there, everyone
// else on the public port: admin_port.ts) and grpc.health.v1 on every port.
import * as grpc from '@grpc/grpc-js';
import { metrics } from '@opentelemetry/api';
import {
  HealthCheckResponse_ServingStatus as ServingStatus,
  HealthService,
  type HealthCheckResponse,
  type HealthCheckResponse_ServingStatus,
  type HealthServer,
} from '@citypass/proto/grpc/health/v1/health';
import { boundedMessage, decodeErrorMetadata, DomainError, encodeErrorMetadata, type ErrorKind } from './errors.ts';
import { checkFieldLengths, type FieldLimits } from './field_limits.ts';
import { asRetryableFailure } from './infrastructure_errors.ts';
import { checkListener, type Listener } from './admin_port.ts';
import { commonReasons } from './reasons.ts';
import type { Logger } from './log.ts';

export const reasonMetadataKey = 'citypass-error-reason';
/** A DomainError's metadata, URL-encoded (errors.ts encodeErrorMetadata); absent when it has none. */
export const errorMetadataKey = 'citypass-error-metadata';
/** Residents authenticate reads of their own data with a presentation of their credential in this metadata. */
export const presentationMetadataKey = 'citypass-presentation';

/** The presentation a resident sent with the call, if any. */
export function presentationOf(metadata: grpc.Metadata): string | undefined {
  const value = metadata.get(presentationMetadataKey)[0];
  return typeof value === 'string' ? value : undefined;
}

/** The bearer token of the call's `authorization` metadata, or '' when there is none. */
export function bearerTokenOf(metadata: grpc.Metadata): string {
  const header = metadata.get('authorization')[0];
  return typeof header === 'string' && header.startsWith('Bearer ') ? header.slice(7).trim() : '';
}

export interface Principal {
  /** The OIDC client that holds the token. */
  readonly clientId: string;
  readonly subject: string;
  readonly scopes: ReadonlySet<string>;
  /**
   * Set when a person signed in (console, CLI): their roles and scope as identity wrote them into the token; ''
   * where unscoped. Absent for clients acting as themselves. Read through @citypass/contracts' operatorOf.
   */
  readonly operator?: { readonly roles: readonly string[]; readonly merchant: string; readonly department: string };
}

export interface CallContext {
  /** Absolute epoch milliseconds by which the caller wants an answer; pass it on to downstream calls. */
  readonly deadlineMs: number;
  readonly principal: Principal | undefined;
  readonly metadata: grpc.Metadata;
  /**
   * The server's own token check with the port's rule applied (admin_port.ts), for a method open to everyone that
   * authenticates a token itself.
   */
  readonly authenticate: Authenticate;
}

/** Turns a bearer token into a principal, or throws an `unauthenticated` DomainError. */
export type Authenticate = (token: string) => Promise<Principal>;

/**
 * `public`: anyone may call. `authenticated`: any valid token (the handler checks what it allows). Otherwise the
 * caller's token must carry one of `anyScope`.
 */
export type MethodPolicy = 'public' | 'authenticated' | { readonly anyScope: readonly string[] };

type UnaryMethod<Q, R> = {
  readonly requestStream: false;
  readonly responseStream: false;
  requestDeserialize(value: Buffer): Q;
  responseSerialize(value: R): Buffer;
};

export type UnaryHandlers<D> = {
  [K in keyof D]: D[K] extends UnaryMethod<infer Q, infer R> ? (request: Q, context: CallContext) => Promise<R> : never;
};

export interface GrpcServerOptions {
  readonly logger: Logger;
  readonly authenticate?: Authenticate;
  /** Used when the caller sets no deadline. */
  readonly defaultDeadlineMs?: number;
  readonly maxMessageBytes?: number;
  /** The scope that marks a client acting as an operator (`wallet:admin`), for the admin port's rule. */
  readonly adminScope?: string;
}

const meter = metrics.getMeter('@citypass/platform/grpc');
const callDuration = meter.createHistogram('rpc.server.duration', {
  description: 'Duration of unary gRPC calls handled, by method and status code',
  unit: 'ms',
  advice: { explicitBucketBoundaries: [0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] },
});

// The one mapping from error kinds to gRPC status codes, exhaustive (no default branch), and its inverse.
export function grpcStatusOf(kind: ErrorKind): grpc.status {
  switch (kind) {
    case 'invalid_argument':
      return grpc.status.INVALID_ARGUMENT;
    case 'not_found':
      return grpc.status.NOT_FOUND;
    case 'already_exists':
      return grpc.status.ALREADY_EXISTS;
    case 'failed_precondition':
      return grpc.status.FAILED_PRECONDITION;
    case 'permission_denied':
      return grpc.status.PERMISSION_DENIED;
    case 'unauthenticated':
      return grpc.status.UNAUTHENTICATED;
    case 'resource_exhausted':
      return grpc.status.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return grpc.status.UNAVAILABLE;
    case 'deadline_exceeded':
      return grpc.status.DEADLINE_EXCEEDED;
  }
}

const kindByStatus = new Map<grpc.status, ErrorKind>([
  [grpc.status.INVALID_ARGUMENT, 'invalid_argument'],
  [grpc.status.NOT_FOUND, 'not_found'],
  [grpc.status.ALREADY_EXISTS, 'already_exists'],
  [grpc.status.FAILED_PRECONDITION, 'failed_precondition'],
  [grpc.status.PERMISSION_DENIED, 'permission_denied'],
  [grpc.status.UNAUTHENTICATED, 'unauthenticated'],
  [grpc.status.RESOURCE_EXHAUSTED, 'resource_exhausted'],
  [grpc.status.UNAVAILABLE, 'unavailable'],
  [grpc.status.DEADLINE_EXCEEDED, 'deadline_exceeded'],
]);

/** The inverse mapping, for clients that turn a gRPC status back into a DomainError. */
export function kindOfGrpcStatus(code: grpc.status): ErrorKind | undefined {
  return kindByStatus.get(code);
}

export class GrpcServer {
  /** The public port's server; also serves operators unless listenAdmin bound an admin port. */
  readonly server: grpc.Server;
  /** Serves the same services on the admin port, to operators only; bound by listenAdmin. */
  readonly #adminServer: grpc.Server;
  #adminBound = false;
  readonly #options: GrpcServerOptions;
  readonly #health = new Map<string, HealthCheckResponse_ServingStatus>([['', ServingStatus.SERVING]]);

  constructor(options: GrpcServerOptions) {
    this.#options = options;
    const maxBytes = options.maxMessageBytes ?? 1024 * 1024;
    const serverOptions = { 'grpc.max_receive_message_length': maxBytes, 'grpc.max_send_message_length': maxBytes };
    this.server = new grpc.Server(serverOptions);
    this.#adminServer = new grpc.Server(serverOptions);
    const health = this.#healthService();
    this.server.addService(HealthService, health);
    this.#adminServer.addService(HealthService, health);
  }

  addService<D extends grpc.ServiceDefinition>(
    name: string,
    definition: D,
    handlers: UnaryHandlers<D>,
    policies: { readonly [K in keyof D]: MethodPolicy },
    /** Request string fields allowed more (or fewer) than defaultMaxFieldLength characters, by proto path. */
    fieldLimits: FieldLimits = {},
  ): void {
    const implementation: grpc.UntypedServiceImplementation = {};
    const adminImplementation: grpc.UntypedServiceImplementation = {};
    for (const method of Object.keys(definition) as (keyof D & string)[]) {
      const handler = handlers[method] as (request: unknown, context: CallContext) => Promise<unknown>;
      const route = { name: `${name}/${method}`, handler, policy: policies[method], fieldLimits };
      implementation[method] = this.#unary(route, () => (this.#adminBound ? 'public' : 'shared'));
      adminImplementation[method] = this.#unary(route, () => 'admin');
    }
    this.server.addService(definition, implementation);
    this.#adminServer.addService(definition, adminImplementation);
    this.#health.set(name, ServingStatus.SERVING);
  }

  setServing(service: string, serving: boolean): void {
    this.#health.set(service, serving ? ServingStatus.SERVING : ServingStatus.NOT_SERVING);
  }

  async listen(host: string, port: number): Promise<number> {
    return bindInsecure(this.server, host, port);
  }

  /**
   * Binds the admin port: from then on operators are served there only, and refused on the public port
   * (admin_port.ts). Port 0 (the services' default) binds nothing and one port keeps serving everyone.
   */
  async listenAdmin(host: string, port: number): Promise<number | undefined> {
    if (port === 0) return undefined;
    const bound = await bindInsecure(this.#adminServer, host, port);
    this.#adminBound = true;
    return bound;
  }

  /** Stops taking calls, lets running ones finish for up to `graceMs`, then cancels the rest. */
  async shutdown(graceMs = 5_000): Promise<void> {
    for (const service of this.#health.keys()) this.setServing(service, false);
    await Promise.all([shutdownWithin(this.server, graceMs), shutdownWithin(this.#adminServer, graceMs)]);
  }

  #unary(route: Route, listenerNow: () => Listener): grpc.handleUnaryCall<unknown, unknown> {
    const { name, handler, policy, fieldLimits } = route;
    return (call, callback) => {
      const startedAt = performance.now();
      const record = (code: grpc.status): void => {
        callDuration.record(performance.now() - startedAt, { 'rpc.method': name, 'rpc.grpc.status_code': code });
      };
      const run = async (): Promise<unknown> => {
        const listener = listenerNow();
        const authenticate = this.#authenticateOn(listener);
        const principal = await this.#authorize(call.metadata, policy, listener, authenticate);
        checkFieldLengths(call.request, fieldLimits);
        const deadlineMs = this.#deadlineOf(call);
        return handler(call.request, { deadlineMs, principal, metadata: call.metadata, authenticate });
      };
      run().then(
        (response) => {
          record(grpc.status.OK);
          callback(null, response);
        },
        (error: unknown) => {
          const status = this.#toStatus(name, error);
          record(status.code ?? grpc.status.UNKNOWN);
          callback(status);
        },
      );
    };
  }

  /** The token check of calls on `listener`: the server's own, then the port's rule. */
  #authenticateOn(listener: Listener): Authenticate {
    return async (token) => {
      if (this.#options.authenticate === undefined) {
        throw new DomainError('unauthenticated', commonReasons.TOKEN_MISSING, 'this server takes no access tokens');
      }
      const principal = await this.#options.authenticate(token);
      checkListener(listener, principal, this.#options.adminScope);
      return principal;
    };
  }

  /** On the admin port every method needs an operator's token, public ones too. */
  async #authorize(
    metadata: grpc.Metadata,
    policy: MethodPolicy,
    listener: Listener,
    authenticate: Authenticate,
  ): Promise<Principal | undefined> {
    if (policy === 'public' && listener !== 'admin') return undefined;
    const token = bearerTokenOf(metadata);
    if (token === '' || this.#options.authenticate === undefined) {
      throw new DomainError('unauthenticated', commonReasons.TOKEN_MISSING, 'a bearer access token is required');
    }
    const principal = await authenticate(token);
    if (policy === 'public' || policy === 'authenticated') return principal;
    if (!policy.anyScope.some((scope) => principal.scopes.has(scope))) {
      throw new DomainError(
        'permission_denied',
        commonReasons.SCOPE_MISSING,
        `requires scope ${policy.anyScope.join(' or ')}`,
      );
    }
    return principal;
  }

  #deadlineOf(call: grpc.ServerUnaryCall<unknown, unknown>): number {
    const deadline = call.getDeadline();
    const ms = deadline instanceof Date ? deadline.getTime() : deadline;
    return Number.isFinite(ms) ? ms : Date.now() + (this.#options.defaultDeadlineMs ?? 10_000);
  }

  #toStatus(name: string, thrown: unknown): Partial<grpc.StatusObject> {
    const error = asRetryableFailure(thrown) ?? thrown;
    if (error instanceof DomainError) {
      if (error !== thrown)
        this.#options.logger.warn('grpc call failed on its infrastructure', {
          method: name,
          reason: error.reason,
          error: thrown,
        });
      const metadata = new grpc.Metadata();
      metadata.set(reasonMetadataKey, error.reason);
      const encoded = encodeErrorMetadata(error.metadata);
      if (encoded !== '') metadata.set(errorMetadataKey, encoded);
      return { code: grpcStatusOf(error.kind), details: boundedMessage(`${error.reason}: ${error.message}`), metadata };
    }
    // Anything else is our bug or an infrastructure failure: the detail goes to the log, never to the caller.
    this.#options.logger.error('grpc handler failed', { method: name, error });
    return { code: grpc.status.INTERNAL, details: 'internal error' };
  }

  #healthService(): HealthServer {
    const statusOf = (service: string): HealthCheckResponse => ({
      status: this.#health.get(service) ?? ServingStatus.SERVICE_UNKNOWN,
    });
    return {
      check: (call, callback) => {
        if (!this.#health.has(call.request.service)) {
          callback({ code: grpc.status.NOT_FOUND, details: 'unknown service' });
          return;
        }
        callback(null, statusOf(call.request.service));
      },
      watch: (call) => {
        // A single snapshot; clients re-watch. Enough for Kubernetes probes and grpc_health_probe.
        call.write(statusOf(call.request.service));
        call.end();
      },
    };
  }
}

interface Route {
  readonly name: string;
  readonly handler: (request: unknown, context: CallContext) => Promise<unknown>;
  readonly policy: MethodPolicy;
  readonly fieldLimits: FieldLimits;
}

async function bindInsecure(server: grpc.Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, grpc.ServerCredentials.createInsecure(), (error, bound) => {
      if (error) reject(error);
      else resolve(bound);
    });
  });
}

/** Stops taking calls, lets running ones finish for up to `graceMs`, then cancels the rest. */
async function shutdownWithin(server: grpc.Server, graceMs: number): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      server.forceShutdown();
      resolve();
    }, graceMs);
    server.tryShutdown(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/** gRPC's own refusal of a request or reply over a message size limit, on either side. */
export const messageTooLargeReason = commonReasons.MESSAGE_TOO_LARGE;

/**
 * Client side: turns a gRPC error back into a DomainError carrying the server's reason. gRPC's own size refusal
 * (RESOURCE_EXHAUSTED "... larger than max", no citypass reason) becomes MESSAGE_TOO_LARGE, so a caller can send
 * less; any other reason-less RESOURCE_EXHAUSTED (a proxy's rate limit) stays as it is.
 */
export function domainErrorFromGrpc(error: grpc.ServiceError): DomainError | grpc.ServiceError {
  const kind = kindOfGrpcStatus(error.code);
  const reason = error.metadata.get(reasonMetadataKey)[0];
  if (kind !== undefined && typeof reason === 'string') {
    const encoded = error.metadata.get(errorMetadataKey)[0];
    return new DomainError(kind, reason, error.details.replace(`${reason}: `, ''), {
      cause: error,
      metadata: decodeErrorMetadata(typeof encoded === 'string' ? encoded : undefined),
    });
  }
  if (error.code === grpc.status.RESOURCE_EXHAUSTED && /larger than max/i.test(error.details)) {
    return new DomainError('resource_exhausted', messageTooLargeReason, error.details, { cause: error });
  }
  return error;
}

/** Call metadata with a bearer token. */
export function bearer(token: string): grpc.Metadata {
  const metadata = new grpc.Metadata();
  metadata.set('authorization', `Bearer ${token}`);
  return metadata;
}

type UnaryMethodDefinition<Q, R> = UnaryMethod<Q, R> & {
  readonly path: string;
  requestSerialize(value: Q): Buffer;
  responseDeserialize(value: Buffer): R;
};

/** A promise-returning client for a ts-proto service definition; errors come back as DomainErrors with reasons. */
export type PromiseClient<D> = {
  [K in keyof D]: D[K] extends UnaryMethod<infer Q, infer R>
    ? (request: Q, options?: { metadata?: grpc.Metadata; deadlineMs?: number }) => Promise<R>
    : never;
} & { close(): void };

export function promiseClient<D extends grpc.ServiceDefinition>(
  definition: D,
  address: string,
  defaults: {
    metadata?: () => Promise<grpc.Metadata> | grpc.Metadata;
    timeoutMs?: number;
    channelOptions?: grpc.ChannelOptions;
  } = {},
): PromiseClient<D> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), defaults.channelOptions);
  const methods: Record<string, unknown> = {
    close: () => {
      client.close();
    },
  };
  for (const [name, method] of Object.entries(definition) as [string, UnaryMethodDefinition<unknown, unknown>][]) {
    methods[name] = async (request: unknown, options: { metadata?: grpc.Metadata; deadlineMs?: number } = {}) => {
      const metadata = options.metadata ?? (await defaults.metadata?.()) ?? new grpc.Metadata();
      const deadline = options.deadlineMs ?? Date.now() + (defaults.timeoutMs ?? 10_000);
      return new Promise((resolve, reject) => {
        client.makeUnaryRequest(
          method.path,
          (value: unknown) => method.requestSerialize(value),
          (bytes: Buffer) => method.responseDeserialize(bytes),
          request,
          metadata,
          { deadline },
          (error, response) => {
            if (error) reject(domainErrorFromGrpc(error));
            else resolve(response);
          },
        );
      });
    };
  }
  return methods as PromiseClient<D>;
}
