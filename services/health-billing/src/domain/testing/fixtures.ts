// Test support: the kind:reason of a refused call, and its message.
import { DomainError } from '@citypass/platform/errors';

/** `kind:REASON` of the DomainError a call throws, or 'ok'. */
export function refusal(call: () => unknown): string {
  try {
    call();
    return 'ok';
  } catch (error) {
    if (error instanceof DomainError) return `${error.kind}:${error.reason}`;
    throw error;
  }
}

/** The message of the DomainError a call throws. */
export function refusalMessage(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    if (error instanceof DomainError) return error.message;
    throw error;
  }
  return 'ok';
}
