// `citypass operators create|set-scope`: the people who sign in to the console. The first one on a fresh install is
// made with the operator client's secret (the bootstrap); later ones too, or (later) from the console by an admin.
// A changed scope reaches the operator's tokens at their next token issue or refresh.
import { OperatorRole } from '@citypass/proto/identity/v1/identity';
import { departments, isOperatorRole, operatorRoles } from '@citypass/contracts';
import { text } from './command_values.ts';
import { idempotencyKeyOption, keyOf, type Command } from './commands.ts';

const createOperator: Command = {
  words: ['operators', 'create'],
  usage: `citypass operators create <username> --role ${operatorRoles.join('|')} [--role ...] [--merchant <service>] [--department ${departments.join('|')}] [--password-stdin]`,
  summary:
    'make an operator account for the console; prints a one-time initial password, or takes one from stdin with --password-stdin',
  options: {
    role: { type: 'string', multiple: true },
    // Delegated administration: the operator then sees only this service's, or this department's, part.
    merchant: { type: 'string', default: '' },
    department: { type: 'string', default: '' },
    'password-stdin': { type: 'boolean', default: false },
    ...idempotencyKeyOption,
  },
  positionals: 1,
  gateway: true,
  async run(context) {
    const given = context.values.role;
    const roles = Array.isArray(given) ? given.map(String) : [];
    const unknown = roles.filter((role) => !isOperatorRole(role));
    if (roles.length === 0 || unknown.length > 0)
      return context.out.usage(`--role must be given at least once, each one of ${operatorRoles.join(', ')}`);
    // The password never travels on the command line, where other users of the machine see it.
    const password = context.values['password-stdin'] === true ? (await context.readStdin()).replace(/\r?\n$/, '') : '';
    if (context.values['password-stdin'] === true && password === '')
      return context.out.usage('--password-stdin read no password');
    const idempotencyKey = keyOf(context);
    const created = await context.identity().createOperator({
      idempotencyKey,
      username: context.positionals[0] ?? '',
      roles: roles.map((role) => OperatorRole[`OPERATOR_ROLE_${role.toUpperCase()}` as keyof typeof OperatorRole]),
      password,
      merchant: String(context.values.merchant ?? ''),
      department: String(context.values.department ?? ''),
    });
    const username = created.operator?.username ?? '';
    const merchant = created.operator?.merchant ?? '';
    const department = created.operator?.department ?? '';
    const scope = [merchant && `merchant ${merchant}`, department && `department ${department}`].filter(Boolean);
    const result = { idempotencyKey, username, roles, merchant, department, initialPassword: created.initialPassword };
    return context.out.result(result, [
      `created operator ${username} (${[roles.join(', '), ...scope].join('; ')}; idempotency key ${idempotencyKey})`,
      ...(created.initialPassword === ''
        ? []
        : [`initial password (shown once, give it to ${username} now): ${created.initialPassword}`]),
    ]);
  },
};

const setScope: Command = {
  words: ['operators', 'set-scope'],
  usage: `citypass operators set-scope <username> [--merchant <service>] [--department ${departments.join('|')}] --reason <text> [--idempotency-key <key>]`,
  summary:
    "change an operator's scope (no --merchant and no --department: unscoped); their next token carries it; the reason goes to the audit log",
  options: {
    merchant: { type: 'string', default: '' },
    department: { type: 'string', default: '' },
    reason: { type: 'string' },
    ...idempotencyKeyOption,
  },
  positionals: 1,
  gateway: true,
  async run(context) {
    const reason = text(context, 'reason');
    if (reason.trim() === '') return context.out.usage('operators set-scope needs --reason');
    const idempotencyKey = keyOf(context);
    const { operator } = await context.identity().setOperatorScope({
      idempotencyKey,
      username: context.positionals[0] ?? '',
      merchant: text(context, 'merchant'),
      department: text(context, 'department'),
      reason,
    });
    const username = operator?.username ?? '';
    const merchant = operator?.merchant ?? '';
    const department = operator?.department ?? '';
    const scope = [merchant && `merchant ${merchant}`, department && `department ${department}`].filter(Boolean);
    return context.out.result({ idempotencyKey, username, merchant, department }, [
      `${username} is now ${scope.length === 0 ? 'unscoped' : `scoped to ${scope.join(' and ')}`} (from their next token; idempotency key ${idempotencyKey})`,
    ]);
  },
};

export const operatorAccountCommands: readonly Command[] = [createOperator, setScope];
