import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { APP_ENTRY, CHANNEL_CALL, CHANNEL_EVENTS, isAppUrl, isTrustedSender } from '../../main/ipc-guard';

const trusted = { frameUrl: APP_ENTRY, isMainFrame: true, isAppWindow: true };

test('only the app page, in its own window\'s main frame, is a trusted IPC sender', () => {
  assert.equal(isTrustedSender(trusted), true);
  assert.equal(isTrustedSender({ ...trusted, frameUrl: 'app://framescope/deep/page.html' }), true);
  const refused = [
    { ...trusted, isMainFrame: false },
    { ...trusted, isAppWindow: false },
    { ...trusted, frameUrl: undefined },
    { ...trusted, frameUrl: 'https://evil.example/' },
    { ...trusted, frameUrl: 'file:///etc/passwd' },
    { ...trusted, frameUrl: 'app://framescope.evil/index.html' },
    { ...trusted, frameUrl: 'app://other/index.html' },
    { ...trusted, frameUrl: 'not a url' },
  ];
  for (const facts of refused) assert.equal(isTrustedSender(facts), false, JSON.stringify(facts));
});

test('navigation stays inside the app', () => {
  assert.equal(isAppUrl('app://framescope/index.html'), true);
  assert.equal(isAppUrl('https://xenproject.org/'), false);
  assert.equal(isAppUrl('file:///'), false);
  assert.equal(isAppUrl('javascript:alert(1)'), false);
});

test('the sandboxed preload names the same channels as the main process', () => {
  // the preload cannot import ipc-guard at run time (a sandboxed preload requires only 'electron')
  const preload = fs.readFileSync(path.join(__dirname, '../../../main/preload.ts'), 'utf8');
  assert.match(preload, new RegExp(`CHANNEL_CALL = '${CHANNEL_CALL}'`));
  assert.match(preload, new RegExp(`CHANNEL_EVENTS = '${CHANNEL_EVENTS}'`));
});

test('the window is created sandboxed, context-isolated, without Node', () => {
  const source = fs.readFileSync(path.join(__dirname, '../../../main/window.ts'), 'utf8');
  assert.match(source, /contextIsolation: true/);
  assert.match(source, /sandbox: true/);
  assert.match(source, /nodeIntegration: false/);
  assert.doesNotMatch(source, /webSecurity: false/);
});

test('the preload and the browser client list exactly the API\'s methods', () => {
  const { INSPECTOR_METHODS } = require('../../app/inspector-protocol') as typeof import('../../app/inspector-protocol');
  for (const file of ['main/preload.ts', 'renderer/transport/ws-client.ts']) {
    // both run where app/ cannot be imported (a sandboxed preload, the browser)
    const source = fs.readFileSync(path.join(__dirname, '../../..', file), 'utf8');
    const list = /API_METHODS = \[([^\]]*)\]/.exec(source)?.[1];
    assert.ok(list, `${file} has an API_METHODS list`);
    assert.deepEqual([...list.matchAll(/'(\w+)'/g)].map((m) => m[1]), [...INSPECTOR_METHODS], file);
  }
});
