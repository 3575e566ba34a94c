// Taps transit can never take (too large even sent alone) are set aside in a file next to the journal, so they stop
// blocking the taps behind them without being lost: the journal's line format (`{"tap":...}` records, parseLog
// reads it), appended and fdatasync'd before the tap is acknowledged in the journal, for an operator to re-upload.
// The file is bounded: when a tap does not fit, appendDeadLetter says so and the tap stays pending.
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { lineOf, type JournaledTap } from './journal_format.ts';
import { syncDirectory } from './tap_journal.ts';

export const deadLetterFileName = 'taps.v1.dead.log';

/** True once the tap is durably in the dead-letter file; false (nothing written) when it would exceed `maxBytes`. */
export async function appendDeadLetter(dir: string, tap: JournaledTap, maxBytes: number): Promise<boolean> {
  const file = await open(join(dir, deadLetterFileName), 'a+', 0o600);
  try {
    const { size } = await file.stat();
    // A crash can leave a torn last line: start on a new one, or this record would be lost with it.
    const last = Buffer.alloc(1);
    if (size > 0) await file.read(last, 0, 1, size - 1);
    const text = `${size > 0 && last[0] !== 0x0a ? '\n' : ''}${lineOf({ tap })}`;
    if (size + Buffer.byteLength(text) > maxBytes) return false;
    await file.appendFile(text);
    await file.datasync();
  } finally {
    await file.close();
  }
  await syncDirectory(dir); // the file may be new
  return true;
}
