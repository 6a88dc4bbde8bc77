#!/usr/bin/env node
// `npm start`: build, then open the desktop app. Where the Electron binary is not installed
// and cannot be fetched (it comes from GitHub), say so in one line and serve the same UI with
// the headless server instead; it prints the URL to open. Arguments go to the app, e.g.
// `npm start -- --backend sim --sim-config examples/sim-host.json`.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);

// FRAMESCOPE_START_NO_BUILD: for the test of this script, which runs after a build anyway
if (!process.env.FRAMESCOPE_START_NO_BUILD) {
  const build = spawnSync(process.execPath, [path.join(root, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

/** The Electron executable, fetching it first if it is missing; null when that fails. */
function electronBinary() {
  const pkg = path.join(root, 'node_modules', 'electron');
  const pathFile = path.join(pkg, 'path.txt');
  const exists = () => fs.existsSync(pathFile) && fs.existsSync(path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8')));
  if (!exists()) spawnSync(process.execPath, [path.join(pkg, 'install.js')], { stdio: 'ignore', timeout: 5 * 60_000 });
  return exists() ? path.join(pkg, 'dist', fs.readFileSync(pathFile, 'utf8')) : null;
}

function run(cmd, cmdArgs) {
  const child = spawn(cmd, cmdArgs, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const electron = electronBinary();
if (electron) {
  run(electron, [root, ...args]);
} else {
  console.error('framescope: the Electron binary is not installed and cannot be fetched here; serving the UI with the headless server instead');
  run(process.execPath, [path.join(root, 'dist', 'app', 'cli.js'), ...args, 'serve']);
}
