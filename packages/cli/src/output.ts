// How a command answers: a few plain lines for a person, or (with --json) one JSON object on stdout that a script
// parses, the same shape whether it succeeded or not. Errors go to stderr for people; their reason is the service's
// stable reason string, so a script can switch on it.
import { boundedMessage, isDomainError } from '@citypass/platform/errors';
import { runPeriodically } from '@citypass/platform/periodic';
import { exitCodeOf, exitCodes, type ExitCode } from './exit_codes.ts';

export interface Output {
  readonly json: boolean;
  /** The command's result: `lines` for a person, `value` for --json; exits `code` (ok unless said). */
  result(value: Record<string, unknown>, lines: readonly string[], code?: ExitCode): ExitCode;
  /** Shows `label` with the time it has taken on a terminal (never with --json) until the returned stop. */
  progress(label: string): () => void;
  /** A failure: printed and turned into the exit code that says whether to retry. */
  failure(error: unknown): ExitCode;
  usage(message: string): ExitCode;
}

export interface Streams {
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
  /** Whether stderr is a terminal a progress line can be redrawn on. */
  readonly stderrIsTerminal?: boolean;
  /** Reads all of standard input; none given reads nothing. */
  readonly stdin?: () => Promise<string>;
}

export function createOutput(json: boolean, streams: Streams): Output {
  const fail = (code: ExitCode, error: { kind: string; reason: string; message: string }): ExitCode => {
    if (json) streams.stdout(`${JSON.stringify({ ok: false, error })}\n`);
    else streams.stderr(`citypass: ${error.reason}: ${error.message}\n`);
    return code;
  };
  return {
    json,
    result(value, lines, code = exitCodes.ok) {
      streams.stdout(json ? `${JSON.stringify({ ok: true, ...value })}\n` : `${lines.join('\n')}\n`);
      return code;
    },
    progress(label) {
      if (json || streams.stderrIsTerminal !== true) return () => {};
      const started = performance.now();
      const frames = ['|', '/', '-', '\\'];
      let frame = 0;
      const draw = (): void => {
        const seconds = ((performance.now() - started) / 1000).toFixed(1);
        streams.stderr(`\r${frames[frame++ % frames.length]} ${label} (${seconds} s)`);
      };
      const redraw = runPeriodically({ name: 'cli progress', intervalMs: 200, runAtStart: true }, () => {
        draw();
        return Promise.resolve();
      });
      return () => {
        void redraw.stop();
        streams.stderr('\r\u001b[K');
      };
    },
    failure(error) {
      if (isDomainError(error))
        return fail(exitCodeOf(error), { kind: error.kind, reason: error.reason, message: error.message });
      // Not the service's answer: a bug here or a fault of the machine. Tokens and secrets never reach an error's
      // message (they travel in headers only), so it is shown, bounded, for whoever debugs it.
      const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      return fail(exitCodes.unavailable, { kind: 'internal', reason: 'CLI_FAILED', message: boundedMessage(message) });
    },
    usage(message) {
      return fail(exitCodes.usage, { kind: 'usage', reason: 'USAGE', message });
    },
  };
}
