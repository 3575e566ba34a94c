// Medical free text (a code's description, a line's note): bounded, printable. The refusal never repeats it.
import { invalidArgument } from '@citypass/platform/errors';
import { healthBillingReasons } from '@citypass/contracts';

/** A C0 control character other than tab, line feed and carriage return, or DEL. */
function hasControlCharacter(value: string): boolean {
  for (let index = 0; index < value.length; index++) {
    const unit = value.charCodeAt(index);
    if ((unit < 0x20 && unit !== 0x09 && unit !== 0x0a && unit !== 0x0d) || unit === 0x7f) return true;
  }
  return false;
}

export function checkMedicalText(value: string, field: string, maxLength: number): string {
  if (value.length > maxLength || hasControlCharacter(value)) {
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
