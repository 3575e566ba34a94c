// Debian's Chromium through playwright-core, for every test that drives a browser (no browser download works on
// these machines; CITYPASS_CHROMIUM overrides the path, and `.ci/run` installs the package).
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CITYPASS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    // As root (CI's containers) Chromium refuses to start with its sandbox.
    args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
  });
}
