// Medical free text (a code's description, a line's note): bounded, printable. The refusal never repeats it.
import { invalidArgument } from '@citypass/platform/errors';
import { healthBillingReasons } from '@citypass/contracts';

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
const controlCharacters = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function checkMedicalText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength || controlCharacters.test(value)) {
    throw invalidArgument(
      healthBillingReasons.TEXT_INVALID,
      `${field} must be at most ${maxLength} characters without control characters`,
    );
  }
  return value;
}

const codePattern = /^[A-Z0-9.-]{1,16}$/;

export function checkCode(code: string, field = 'code'): string {
  if (!codePattern.test(code))
    throw invalidArgument(healthBillingReasons.CODE_INVALID, `${field} must be 1-16 characters of [A-Z0-9.-]`);
  return code;
}
