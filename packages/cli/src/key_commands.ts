// `citypass keys rotate --reason <text>`: a new signing key for identity (RotateSigningKey, admins only): published at
// once, signing after its activation delay, so verifiers fetch it before anything it signs reaches them. One rotation
// at a time (ROTATION_PENDING while the last new key is not signing yet). The reason goes to identity's audit log.
import { text } from './command_values.ts';
import type { Command } from './commands.ts';

const rotate: Command = {
  words: ['keys', 'rotate'],
  usage: 'citypass keys rotate --reason <text>',
  summary: 'publish a new signing key for identity; it signs after its activation delay (the reason is audited)',
  options: { reason: { type: 'string' } },
  positionals: 0,
  gateway: true,
  async run(context) {
    const reason = text(context, 'reason');
    if (reason.trim() === '') return context.out.usage('keys rotate needs --reason');
    const rotated = await context.identity().rotateSigningKey({ reason });
    const activatesAt = rotated.activatesAt?.toISOString() ?? '';
    return context.out.result({ kid: rotated.kid, activatesAt }, [
      `published signing key ${rotated.kid}; it signs from ${activatesAt}`,
    ]);
  },
};

export const keyCommands: readonly Command[] = [rotate];
