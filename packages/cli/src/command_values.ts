// Reading a command's parsed flags, and the words the command line uses for the gateway's enums.
import { ConcessionClass } from '@citypass/proto/identity/v1/identity';
import type { CommandContext } from './commands.ts';

/** A string flag's value, or '' when it was not given. */
export function text(context: Pick<CommandContext, 'values'>, name: string): string {
  const value = context.values[name];
  return typeof value === 'string' ? value : '';
}

export const concessions: Readonly<Record<string, ConcessionClass>> = {
  adult: ConcessionClass.CONCESSION_CLASS_ADULT,
  child: ConcessionClass.CONCESSION_CLASS_CHILD,
  senior: ConcessionClass.CONCESSION_CLASS_SENIOR,
  student: ConcessionClass.CONCESSION_CLASS_STUDENT,
};
