// How the CLI's tests run `citypass`: in process (run()), against the test's own servers, never the developer's own
// settings file, capturing what a script would see (the exit code, stdout, stderr and the --json answer).
import { join } from 'node:path';
import type { IdentityHarness } from '../../../services/identity/test/harness.ts';
import { run } from '../src/run.ts';

/** The environment that points the CLI at a test identity (plus `more`: the wallet's or transit's address). */
export function cliEnv(identity: IdentityHarness, more: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    CITYPASS_IDENTITY_URL: identity.issuer,
    CITYPASS_IDENTITY_GRPC: `127.0.0.1:${identity.identity.grpcPort}`,
    CITYPASS_OPERATOR_CLIENT_SECRET: identity.config.IDENTITY_OPERATOR_CLIENT_SECRET,
    // Never the developer's own settings file.
    CITYPASS_DEV_ENV: join(import.meta.dirname, 'no-such-dev.env'),
    ...more,
  };
}

export interface Ran {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The --json answer ({} when nothing was printed). */
  readonly json: Record<string, unknown>;
}

/** Runs `citypass <args> --json` with `env`. */
export async function citypassJson(env: NodeJS.ProcessEnv, args: readonly string[]): Promise<Ran> {
  let stdout = '';
  let stderr = '';
  const code = await run([...args, '--json'], env, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
  });
  return { code, stdout, stderr, json: stdout === '' ? {} : (JSON.parse(stdout) as Record<string, unknown>) };
}
