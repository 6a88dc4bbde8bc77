/**
 * The links that leave the app: setupSecurity's window-open handler, run on a web contents as
 * Electron creates one (Electron's modules stubbed), opens only the project's own pages.
 */
import { electron } from '../fakes/electron';

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, test } from 'node:test';

import { allowedExternalUrl, EXTERNAL_PAGES, EXTERNAL_SECTIONS, PROJECT_HOME } from '../../main/ipc-guard';
import { setupSecurity } from '../../main/security';

afterEach(() => electron.reset());

const ALLOWED = [
  PROJECT_HOME,
  `${PROJECT_HOME}/`,
  `${PROJECT_HOME}/issues`,
  `${PROJECT_HOME}/issues/10`,
  `${PROJECT_HOME}/issues?q=is%3Aopen`,
  `${PROJECT_HOME}/releases/tag/v0.1.0`,
  `${PROJECT_HOME}/blob/main/docs/sim-config.md#faults`,
  `${PROJECT_HOME}/blob/main/README.md`,
];

const REFUSED = [
  'https://evil.example/',
  'http://github.com/framescope/framescope',
  'https://github.com/framescope/framescope-evil',
  'https://github.com/framescope/framescopeX/issues',
  'https://github.com/framescope/framescope/issuesX',
  'https://github.com/framescope/framescope/pulls',
  'https://github.com/framescope/framescope/blob/main/app/cli.ts',
  'https://github.com/framescope/framescope/issues/../../../evil/repo',
  'https://github.com/framescope/framescope/issues/%2e%2e/%2e%2e/%2e%2e/evil',
  'https://github.com.evil.example/framescope/framescope',
  'https://github.com@evil.example/framescope/framescope',
  'https://user:pw@github.com/framescope/framescope',
  'https://github.com:8443/framescope/framescope',
  'https://github.com/',
  'file:///etc/passwd',
  'javascript:alert(1)',
  'smb://share/x',
  'not a url',
];

test('only the project\'s own links are allowed out', () => {
  for (const url of ALLOWED) assert.ok(allowedExternalUrl(url), url);
  for (const url of REFUSED) assert.equal(allowedExternalUrl(url), null, url);
});

test('the project home is package.json\'s homepage, and every allowed link lies under it', () => {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../package.json'), 'utf8')) as { homepage: string };
  assert.equal(PROJECT_HOME, pkg.homepage);
  for (const link of [...EXTERNAL_PAGES, ...EXTERNAL_SECTIONS]) assert.ok(link === PROJECT_HOME || link.startsWith(`${PROJECT_HOME}/`), link);
});

test('the window-open handler opens the project\'s links in the browser and nothing else, and never a window', () => {
  setupSecurity();
  const contents = electron.fakeWindow().webContents;
  electron.appListeners.emit('web-contents-created', {}, contents);
  const open = contents.windowOpenHandler!;
  for (const url of [...ALLOWED, ...REFUSED]) assert.deepEqual(open({ url }), { action: 'deny' }, url);
  assert.deepEqual(electron.openedExternally, ALLOWED.map((url) => new URL(url).href));
});
