// The one error type that crosses layers. Its kind decides the status at the edge (gRPC: grpc.ts; identity's HTTP
// endpoints: their own mapping); its reason is a stable, machine-readable string that clients may switch on.
// Messages never contain tokens, credentials or medical details: they are shown to callers. No transport is
// imported here, so domain code that throws a DomainError depends on nothing but this file.
export type ErrorKind =
  | 'invalid_argument'
  | 'not_found'
  | 'already_exists'
  | 'failed_precondition'
  | 'permission_denied'
  | 'unauthenticated'
  | 'resource_exhausted'
  | 'unavailable'
  | 'deadline_exceeded';

export class DomainError extends Error {
  readonly kind: ErrorKind;
  readonly reason: string;
  /**
   * Facts about the refusal a caller acts on by program rather than by reading the message (google.rpc.ErrorInfo's
   * metadata): short names to short values, carried beside the reason over NATS and gRPC (bus.ts, grpc.ts). Like
   * the message it is shown to callers, so it holds identifiers of our own records only, never request values.
   */
  readonly metadata: Readonly<Record<string, string>>;

  constructor(
    kind: ErrorKind,
    reason: string,
    message: string,
    options?: { cause?: unknown; metadata?: Readonly<Record<string, string>> },
  ) {
    super(message, options);
    this.name = 'DomainError';
    this.kind = kind;
    this.reason = reason;
    this.metadata = options?.metadata ?? noMetadata;
  }
}

const noMetadata: Readonly<Record<string, string>> = Object.freeze({});

/** Longest encoded metadata a reply carries; a backstop like maxErrorMessageLength. */
export const maxErrorMetadataLength = 512;

/** The metadata as one header or gRPC metadata value (`name=value&...`, URL-encoded); '' when there is none. */
export function encodeErrorMetadata(metadata: Readonly<Record<string, string>>): string {
  const encoded = new URLSearchParams(metadata).toString();
  return encoded.length <= maxErrorMetadataLength ? encoded : '';
}

/** The inverse of encodeErrorMetadata, for the client side of each transport. */
export function decodeErrorMetadata(encoded: string | undefined): Readonly<Record<string, string>> {
  if (encoded === undefined || encoded === '') return noMetadata;
  return Object.fromEntries(new URLSearchParams(encoded));
}

/** Longest message a caller is shown; a backstop behind never putting request values in messages. */
export const maxErrorMessageLength = 512;

export function boundedMessage(message: string): string {
  return message.length <= maxErrorMessageLength ? message : `${message.slice(0, maxErrorMessageLength - 1)}…`;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

// Shorthands keep call sites to one line: `throw invalidArgument('AMOUNT_NOT_POSITIVE', 'amount must be > 0')`.
export const invalidArgument = (reason: string, message: string): DomainError =>
  new DomainError('invalid_argument', reason, message);
export const notFound = (reason: string, message: string): DomainError => new DomainError('not_found', reason, message);
export const alreadyExists = (reason: string, message: string): DomainError =>
  new DomainError('already_exists', reason, message);
export const failedPrecondition = (reason: string, message: string): DomainError =>
  new DomainError('failed_precondition', reason, message);
export const permissionDenied = (
  reason: string,
  message: string,
  metadata?: Readonly<Record<string, string>>,
): DomainError => new DomainError('permission_denied', reason, message, metadata ? { metadata } : undefined);
export const unauthenticated = (reason: string, message: string): DomainError =>
  new DomainError('unauthenticated', reason, message);
