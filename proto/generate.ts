// Generates the TypeScript for every proto under proto/citypass with buf and ts-proto (run on install).
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const protoDir = dirname(fileURLToPath(import.meta.url));
const buf = join(protoDir, '..', 'node_modules', '.bin', 'buf');

rmSync(join(protoDir, 'gen'), { recursive: true, force: true });
execFileSync(buf, ['lint'], { cwd: protoDir, stdio: 'inherit' });
execFileSync(buf, ['generate'], { cwd: protoDir, stdio: 'inherit' });
