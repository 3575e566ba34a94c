// `citypass services rotate-secret|suspend|resume`: an onboarded city service's OIDC client. A rotated secret is
// printed once and the old one stops working at once; a suspended service's token requests are refused until it
// is resumed (the tokens it holds live out their 5 minutes). Suspending and resuming need a reason, kept in
// identity's audit log.
import type { ServiceClient } from '@citypass/proto/identity/v1/identity';
import { text } from './command_values.ts';
import { idempotencyKeyOption, keyOf, type Command, type CommandContext } from './commands.ts';
import type { ExitCode } from './exit_codes.ts';

const rotateSecret: Command = {
  words: ['services', 'rotate-secret'],
  usage: 'citypass services rotate-secret <client id> [--idempotency-key <key>]',
  summary: 'give a service a new client secret, printed once; the old one stops working at once',
  options: { ...idempotencyKeyOption },
  positionals: 1,
  gateway: true,
  async run(context) {
    const idempotencyKey = keyOf(context);
    const rotated = await context.identity().rotateServiceSecret({
      idempotencyKey,
      clientId: context.positionals[0] ?? '',
    });
    const service = rotated.service;
    return context.out.result(
      {
        idempotencyKey,
        clientId: service?.clientId ?? '',
        clientSecret: rotated.clientSecret,
        secretVersion: service?.secretVersion ?? 0,
      },
      [
        `rotated the secret of ${service?.clientId ?? ''} to version ${service?.secretVersion ?? 0} (idempotency key ${idempotencyKey})`,
        `client secret (shown once, store it now; the old one no longer works): ${rotated.clientSecret}`,
      ],
    );
  },
};

const reasonOption = { reason: { type: 'string' } } as const;

function stateChange(action: 'suspend' | 'resume'): Command {
  return {
    words: ['services', action],
    usage: `citypass services ${action} <client id> --reason <text>`,
    summary:
      action === 'suspend'
        ? 'refuse a service new tokens until it is resumed (the reason goes to the audit log)'
        : 'let a suspended service get tokens again (the reason goes to the audit log)',
    options: reasonOption,
    positionals: 1,
    gateway: true,
    async run(context) {
      const reason = text(context, 'reason');
      if (reason.trim() === '') return context.out.usage(`services ${action} needs --reason`);
      const request = { clientId: context.positionals[0] ?? '', reason };
      const identity = context.identity();
      const { service } =
        action === 'suspend' ? await identity.suspendService(request) : await identity.resumeService(request);
      return printed(context, service);
    },
  };
}

function printed(context: CommandContext, service: ServiceClient | undefined): ExitCode {
  const status = service?.status ?? '';
  return context.out.result(
    {
      clientId: service?.clientId ?? '',
      status,
      suspendedAt: service?.suspendedAt?.toISOString() ?? '',
      suspensionReason: service?.suspensionReason ?? '',
    },
    [
      `${service?.clientId ?? ''} is ${status}${
        status === 'suspended'
          ? ` since ${service?.suspendedAt?.toISOString() ?? ''}: ${service?.suspensionReason ?? ''}`
          : ''
      }`,
    ],
  );
}

export const serviceCommands: readonly Command[] = [rotateSecret, stateChange('suspend'), stateChange('resume')];
