// The demo resident's phone, kept in a file between commands (`citypass demo resident` makes it, `citypass demo
// present` uses it): its credential, its device key as a private JWK and its presentation counter. For trying the
// gateway on a development machine only: the file is readable by its owner alone, and the counter is saved before a
// presentation is printed, so no two presentations ever carry the same counter (verifiers refuse a counter reused).
import type { JsonWebKey } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { devEnvPath } from '@citypass/platform/dev_env';
import { importDeviceKey, type DeviceKey } from '@citypass/phone';

export interface DemoPhone {
  readonly issuer: string;
  readonly residentId: string;
  readonly credential: string;
  readonly deviceKey: JsonWebKey;
  /** The counter of the last presentation made. */
  readonly counter: number;
}

/** CITYPASS_DEMO_PHONE, else demo-phone.json next to the development settings. */
export function demoPhonePath(env: NodeJS.ProcessEnv): string {
  return env.CITYPASS_DEMO_PHONE ?? join(dirname(devEnvPath(env)), 'demo-phone.json');
}

export function saveDemoPhone(path: string, phone: DemoPhone): void {
  mkdirSync(dirname(path), { recursive: true });
  // Written whole, then renamed over the old one: a crash leaves the old phone or the new, never half of one.
  const partial = `${path}.partial`;
  writeFileSync(partial, `${JSON.stringify(phone, null, 2)}\n`, { mode: 0o600 });
  renameSync(partial, path);
}

/** The kept phone and its key, or undefined when there is none (or it is not one). */
export function loadDemoPhone(path: string): { phone: DemoPhone; key: DeviceKey } | undefined {
  if (!existsSync(path)) return undefined;
  try {
    const phone = JSON.parse(readFileSync(path, 'utf8')) as DemoPhone;
    if (typeof phone.credential !== 'string' || !Number.isSafeInteger(phone.counter)) return undefined;
    return { phone, key: importDeviceKey(phone.deviceKey) };
  } catch {
    return undefined;
  }
}
