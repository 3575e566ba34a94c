// The development settings file that `npm start` writes (~/.config/citypass/dev.env, or CITYPASS_DEV_ENV): one
// KEY=value per line, generated secrets and onboarding keys. Read by `npm start` itself and by the operators' CLI,
// so a newcomer's `citypass` signs in as the operator with no setup. Never used in production (deploy/k8s sets
// every variable).
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Where the development settings live: CITYPASS_DEV_ENV, else ~/.config/citypass/dev.env. */
export function devEnvPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.CITYPASS_DEV_ENV ?? join(homedir(), '.config', 'citypass', 'dev.env');
}

/** KEY=value lines (the value is everything after the first `=`); blank lines and `#` comments are skipped. */
export function parseDevEnv(text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (line.trim() === '' || line.startsWith('#') || at <= 0) continue;
    settings[line.slice(0, at)] = line.slice(at + 1);
  }
  return settings;
}

/** The file's settings, or none when it does not exist. */
export function readDevEnv(path: string): Record<string, string> {
  return existsSync(path) ? parseDevEnv(readFileSync(path, 'utf8')) : {};
}
