// The console's part of the Maven build (control-api's generate-resources): installs the locked dependencies when
// the lock file changed since the last install, builds when a source changed since the last build, and copies the
// built files to the directory given (control-api/target/classes/console, served from the classpath).
// Uses the machine's node and npm; nothing is downloaded but the locked packages.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// `--install-only`: only the npm ci part (./gpilot test, before the browser tests).
// `--test <console.skip>`: the unit tests (Vitest), the Maven build's test phase; nothing when the console is skipped.
const installOnly = process.argv[2] === '--install-only';
const testOnly = process.argv[2] === '--test';
if (testOnly && process.argv[3] === 'true') process.exit(0);
const target = process.argv[2] && !installOnly && !testOnly ? resolve(process.argv[2]) : null;
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(args) {
  console.log(`console: npm ${args.join(' ')}`);
  execFileSync(npm, args, { cwd: root, stdio: 'inherit' });
}

function newest(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  let t = s.mtimeMs;
  for (const name of readdirSync(path)) t = Math.max(t, newest(join(path, name)));
  return t;
}

// npm ci only when package-lock.json differs from the one the last install used.
const lock = readFileSync(join(root, 'package-lock.json'), 'utf8');
const installedLock = join(root, 'node_modules', '.gpilot-installed-lock.json');
if (!existsSync(installedLock) || readFileSync(installedLock, 'utf8') !== lock) {
  run(['ci', '--no-audit', '--no-fund', '--loglevel=error']);
  writeFileSync(installedLock, lock);
}

if (installOnly) process.exit(0);
if (testOnly) {
  run(['exec', '--', 'vitest', 'run']);
  process.exit(0);
}

// vite build only when a source is newer than the last build.
const stamp = join(root, 'dist', '.gpilot-build-stamp');
const inputs = ['src', 'index.html', 'vite.config.ts', 'tsconfig.json', 'package-lock.json'].map((p) => join(root, p));
const changed = Math.max(...inputs.filter(existsSync).map(newest));
if (!existsSync(stamp) || statSync(stamp).mtimeMs < changed) {
  run(['run', 'build']);
  writeFileSync(stamp, new Date().toISOString());
} else {
  console.log('console: up to date');
}

if (target) {
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  cpSync(join(root, 'dist'), target, { recursive: true, filter: (src) => !src.endsWith('.gpilot-build-stamp') });
}
