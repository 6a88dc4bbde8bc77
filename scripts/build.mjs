#!/usr/bin/env node
// Builds everything `npx framescope` and `npm start` need: the privcmd emulator (C), the
// TypeScript of native/, app/ and main/, and the renderer bundle. Run by `npm install`
// (prepare) and `npm run build`. Pass part names to build only those: emulator, ts, renderer.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const parts = process.argv.slice(2);
const want = (part) => parts.length === 0 || parts.includes(part);

function run(cmd, args) {
  try {
    execFileSync(cmd, args, { cwd: root, stdio: 'inherit' });
  } catch {
    // the tool has printed its own errors above
    console.error(`build: ${path.basename(args.find((a) => a.endsWith('.js')) ?? cmd)} failed`);
    process.exit(1);
  }
}

function buildEmulator() {
  const src = path.join(root, 'native', 'emulator');
  const out = path.join(dist, 'native');
  fs.mkdirSync(out, { recursive: true });
  const sources = ['sim_host.c', 'sim_device.c', 'sim_pv.c', 'sim_default_host.c'].map((f) => path.join(src, f));
  // -Bsymbolic: the library's own calls resolve inside it, never to same-named symbols of
  // the process that loads it. -z nodelete: its paging daemon thread outlives any one koffi
  // handle (a worker that exits unloads its handles); unmapping the code under it would crash.
  run('gcc', ['-std=gnu11', '-O2', '-g', '-Wall', '-Wextra', '-Werror', '-fPIC', '-shared', '-pthread',
    '-Wl,-Bsymbolic', '-Wl,-z,nodelete', '-o', path.join(out, 'libprivcmd-sim.so'), ...sources, '-lm']);
}

function buildTypeScript() {
  run(process.execPath, [path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  const cli = path.join(dist, 'app', 'cli.js');
  if (fs.existsSync(cli)) fs.chmodSync(cli, 0o755);
}

function buildRenderer() {
  const config = path.join(root, 'renderer', 'vite.config.ts');
  if (!fs.existsSync(config)) return;
  run(process.execPath, [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', config, '--logLevel', 'warn']);
}

if (want('emulator')) buildEmulator();
if (want('ts')) buildTypeScript();
if (want('renderer')) buildRenderer();
