// The one error type that crosses layers. Its kind decides the gRPC status (or OAuth error); its reason is a
// stable, machine-readable string that clients may switch on. Messages never contain tokens, credentials or
// medical details: they are shown to callers.
import { status as GrpcStatus } from '@grpc/grpc-js';

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

  constructor(kind: ErrorKind, reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DomainError';
    this.kind = kind;
    this.reason = reason;
  }
}

/** Longest message a caller is shown; a backstop behind never putting request values in messages. */
export const maxErrorMessageLength = 512;

export function boundedMessage(message: string): string {
  return message.length <= maxErrorMessageLength ? message : `${message.slice(0, maxErrorMessageLength - 1)}…`;
}

export function isDomainError(error: unknown): error is DomainError {
  return error instanceof DomainError;
}

export function grpcStatusOf(kind: ErrorKind): GrpcStatus {
  switch (kind) {
    case 'invalid_argument':
      return GrpcStatus.INVALID_ARGUMENT;
    case 'not_found':
      return GrpcStatus.NOT_FOUND;
    case 'already_exists':
      return GrpcStatus.ALREADY_EXISTS;
    case 'failed_precondition':
      return GrpcStatus.FAILED_PRECONDITION;
    case 'permission_denied':
      return GrpcStatus.PERMISSION_DENIED;
    case 'unauthenticated':
      return GrpcStatus.UNAUTHENTICATED;
    case 'resource_exhausted':
      return GrpcStatus.RESOURCE_EXHAUSTED;
    case 'unavailable':
      return GrpcStatus.UNAVAILABLE;
    case 'deadline_exceeded':
      return GrpcStatus.DEADLINE_EXCEEDED;
  }
}

const kindByStatus = new Map<GrpcStatus, ErrorKind>([
  [GrpcStatus.INVALID_ARGUMENT, 'invalid_argument'],
  [GrpcStatus.NOT_FOUND, 'not_found'],
  [GrpcStatus.ALREADY_EXISTS, 'already_exists'],
  [GrpcStatus.FAILED_PRECONDITION, 'failed_precondition'],
  [GrpcStatus.PERMISSION_DENIED, 'permission_denied'],
  [GrpcStatus.UNAUTHENTICATED, 'unauthenticated'],
  [GrpcStatus.RESOURCE_EXHAUSTED, 'resource_exhausted'],
  [GrpcStatus.UNAVAILABLE, 'unavailable'],
  [GrpcStatus.DEADLINE_EXCEEDED, 'deadline_exceeded'],
]);

/** The inverse mapping, for clients that turn a gRPC status back into a DomainError. */
export function kindOfGrpcStatus(code: GrpcStatus): ErrorKind | undefined {
  return kindByStatus.get(code);
}

// Shorthands keep call sites to one line: `throw invalidArgument('AMOUNT_NOT_POSITIVE', 'amount must be > 0')`.
export const invalidArgument = (reason: string, message: string): DomainError =>
  new DomainError('invalid_argument', reason, message);
export const notFound = (reason: string, message: string): DomainError => new DomainError('not_found', reason, message);
export const alreadyExists = (reason: string, message: string): DomainError =>
  new DomainError('already_exists', reason, message);
export const failedPrecondition = (reason: string, message: string): DomainError =>
  new DomainError('failed_precondition', reason, message);
export const permissionDenied = (reason: string, message: string): DomainError =>
  new DomainError('permission_denied', reason, message);
export const unauthenticated = (reason: string, message: string): DomainError =>
  new DomainError('unauthenticated', reason, message);
