// `citypass <command words> [arguments] [flags]`: finds the command, parses its flags strictly, and runs it
// against the gateway. Returns the exit code (exit_codes.ts) instead of exiting, so tests run it in-process.
import { parseArgs } from 'node:util';
import { operatorCommands, type Command } from './commands.ts';
import { listCommands } from './list_commands.ts';
import { residentCommands } from './resident_commands.ts';
import { operatorAccountCommands } from './operator_commands.ts';
import { serviceCommands } from './service_commands.ts';
import { keyCommands } from './key_commands.ts';
import { login } from './login_command.ts';
import { demoCommands } from './demo_commands.ts';
import { exitCodes, type ExitCode } from './exit_codes.ts';
import {
  gatewayAddresses,
  gatewayFrom,
  identityAsOperator,
  transitAsOperator,
  walletAsOperator,
  type IdentityClient,
  type TransitClient,
  type WalletClient,
} from './gateway.ts';
import { createOutput, type Streams } from './output.ts';
import { transitCommands } from './transit_commands.ts';
import { walletCommands } from './wallet_commands.ts';
import { riskRulesCommands } from './risk_rules_commands.ts';

const commands: readonly Command[] = [
  ...operatorCommands,
  ...residentCommands,
  ...listCommands,
  ...operatorAccountCommands,
  ...serviceCommands,
  ...keyCommands,
  login,
  ...transitCommands,
  ...walletCommands,
  ...riskRulesCommands,
  ...demoCommands,
];
const globalOptions = { json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } } as const;

function help(): string {
  const width = Math.max(...commands.map((command) => command.words.join(' ').length));
  return [
    'citypass: the city operators command line',
    '',
    'Commands:',
    ...commands.map((command) => `  ${command.words.join(' ').padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --json (one JSON object on stdout, {"ok": true|false, ...}) and --help.',
    'Exit codes: 0 done; 1 refused by the gateway (repeating will not help); 2 wrong command line; 3 gateway',
    'unreachable or busy (retry, with the same --idempotency-key where the command printed one); 4 done, and it',
    'found something to look at (reconcile: a break in the books).',
    'Gateway: CITYPASS_IDENTITY_URL (http://127.0.0.1:7100), CITYPASS_IDENTITY_GRPC (127.0.0.1:7101),',
    'CITYPASS_TRANSIT_GRPC (127.0.0.1:7300), CITYPASS_WALLET_GRPC (127.0.0.1:7200),',
    'CITYPASS_OPERATOR_CLIENT_ID (operator) and CITYPASS_OPERATOR_CLIENT_SECRET; without it, the operator signed in',
    'with `citypass login` (~/.config/citypass/session.json), else the file `npm start` writes.',
    '',
  ].join('\n');
}

function find(args: readonly string[]): Command | undefined {
  return commands.find((command) => command.words.every((word, index) => args[index] === word));
}

export async function run(args: readonly string[], env: NodeJS.ProcessEnv, streams: Streams): Promise<ExitCode> {
  const command = find(args);
  const json = args.includes('--json');
  const out = createOutput(json, streams);
  if (command === undefined) {
    if (args.length === 0 || args[0] === 'help' || args[0] === '--help' || args[0] === '-h') {
      streams.stdout(help());
      return exitCodes.ok;
    }
    return out.usage(`unknown command "${args.filter((arg) => !arg.startsWith('-')).join(' ')}"; see citypass --help`);
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: args.slice(command.words.length),
      options: { ...command.options, ...globalOptions },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    return out.usage(`${error instanceof Error ? error.message : String(error)}\nusage: ${command.usage}`);
  }
  if (parsed.values.help === true) {
    streams.stdout(`usage: ${command.usage}\n${command.summary}\n`);
    return exitCodes.ok;
  }
  if (parsed.positionals.length !== command.positionals)
    return out.usage(`expected ${command.positionals} argument(s)\nusage: ${command.usage}`);
  const found = gatewayFrom(env);
  if ('missing' in found && command.gateway) return out.usage(found.missing);
  // A command that never calls the gateway gets the addresses alone; it has no use for the operator's secret.
  const gateway =
    'missing' in found ? { ...gatewayAddresses(env), operatorClientId: '', operatorClientSecret: '' } : found;
  let identity: IdentityClient | undefined;
  let transit: TransitClient | undefined;
  let wallet: WalletClient | undefined;
  try {
    return await command.run({
      values: parsed.values,
      positionals: parsed.positionals,
      env,
      out,
      stderr: streams.stderr,
      readStdin: streams.stdin ?? (() => Promise.resolve('')),
      gateway,
      identity: () => (identity ??= identityAsOperator(gateway)),
      transit: () => (transit ??= transitAsOperator(gateway)),
      wallet: () => (wallet ??= walletAsOperator(gateway)),
    });
  } catch (error) {
    return out.failure(error);
  } finally {
    identity?.close();
    transit?.close();
    wallet?.close();
  }
}
