/** `npm start` where the Electron binary cannot be had: one line saying so, then the headless server. */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { servedUrl } from '../fakes/served-url';
const ROOT = path.join(__dirname, '../../..');
const pathFile = path.join(ROOT, 'node_modules/electron/path.txt');
const electronInstalled = fs.existsSync(pathFile) && fs.existsSync(path.join(ROOT, 'node_modules/electron/dist', fs.readFileSync(pathFile, 'utf8')));

test('without the Electron binary, npm start serves the UI and prints the URL', {
  skip: electronInstalled ? 'the Electron binary is installed here: npm start opens the app instead' : false,
  timeout: 60_000,
}, async () => {
  const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.mjs'), '--sim-clock', 'stepped'], {
    env: { ...process.env, FRAMESCOPE_START_NO_BUILD: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    const url = await servedUrl(child, 'npm start');
    assert.match(err.split('\n')[0], /^framescope: the Electron binary is not installed and cannot be fetched here; serving the UI with the headless server instead$/);
    assert.equal((await fetch(url)).status, 200);
  } finally {
    child.kill('SIGINT');
  }
});
