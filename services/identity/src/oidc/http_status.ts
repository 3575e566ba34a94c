// The one mapping from a DomainError's kind to the HTTP status identity's own endpoints (sign-in pages, resident
// revocation) answer with, exhaustive (no default branch): a new kind does not compile until it is placed here.
import type { ErrorKind } from '@citypass/platform/errors';

export function httpStatusOf(kind: ErrorKind): number {
  switch (kind) {
    case 'invalid_argument':
      return 400;
    case 'failed_precondition':
      return 400;
    case 'not_found':
      return 404;
    case 'already_exists':
      return 409;
    case 'permission_denied':
      return 403;
    case 'unauthenticated':
      return 401;
    case 'resource_exhausted':
      return 429;
    case 'unavailable':
      return 503;
    case 'deadline_exceeded':
      return 504;
  }
}
