// Free text fields (references, reasons): bounded, and without NUL, which PostgreSQL text cannot hold.
import { invalidArgument } from './errors.ts';

export function checkText(
  value: string,
  field: string,
  maxLength: number,
  options: { required?: boolean } = {},
): string {
  const reason = `${field.toUpperCase()}_INVALID`;
  if (value.includes('\u0000')) throw invalidArgument(reason, `${field} must not contain NUL characters`);
  if (value.length > maxLength) throw invalidArgument(reason, `${field} must be at most ${maxLength} characters`);
  if (options.required === true && value.length === 0) throw invalidArgument(reason, `${field} is required`);
  return value;
}
