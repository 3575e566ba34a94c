// `citypass login`: the operator signs the command line in as themself (device authorization grant): it prints
// where to go and the user code, waits for the sign-in, and keeps the tokens in ~/.config/citypass (0600).
import type { Command } from './commands.ts';
import { deviceLogin, sessionPath } from './operator_session.ts';

export const login: Command = {
  words: ['login'],
  usage: 'citypass login',
  summary: 'sign in as an operator with a user code in the browser; later commands act as you',
  options: {},
  positionals: 0,
  gateway: false,
  async run(context) {
    const path = sessionPath(context.env);
    await deviceLogin(context.gateway.identityUrl, path, (uri, code, complete) => {
      context.stderr(`Open ${uri} and enter the code ${code}\n(or open ${complete})\nWaiting for the sign-in...\n`);
    });
    return context.out.result({ session: path }, [`signed in; the session is kept in ${path}`]);
  },
};
