// Starts a citypass service as its own process, the way it runs in production (deploy/node_flags.ts serviceArgs: the
// flags, then its compiled telemetry and main from dist/; and serviceEnvironment), waits for its "<name> started" log
// line, and keeps its output for assertions about what it logs. Refuses to start from a dist/ older than the sources:
// `npm run build` (run by `npm test` before the tests) brings it up to date.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { serviceArgs, serviceEnvironment } from '../../deploy/node_flags.ts';
import { staleBuild } from '../../scripts/build_inputs.ts';

export interface ServiceProcess {
  readonly child: ChildProcess;
  /** Everything written to stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then the exit code (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<number | null>;
}

const root = join(import.meta.dirname, '..', '..');

export async function startServiceProcess(
  name: string,
  env: Record<string, string>,
  timeoutMs = 20_000,
): Promise<ServiceProcess> {
  const stale = staleBuild(root);
  if (stale !== undefined) throw new Error(`cannot start ${name}: ${stale}; run \`npm run build\``);
  const child = spawn(process.execPath, serviceArgs(name, root), {
    env: { PATH: process.env.PATH ?? '', ...serviceEnvironment, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      resolve(code);
    }),
  );
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`${name} did not start in ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const check = (): void => {
      if (output.includes(`"${name} started"`)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited with ${String(code)} before starting:\n${output}`));
    });
  });
  return {
    child,
    output: () => output,
    async stop(graceMs = 10_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
