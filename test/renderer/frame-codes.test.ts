import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';

import * as app from '../../app/frame-status';
import * as renderer from '../../renderer/frame-codes';

test('the renderer\'s frame codes mirror app/frame-status.ts', () => {
  assert.equal(renderer.CODE_MAPPED, app.CODE_MAPPED);
  assert.equal(renderer.CODE_PAGED, app.CODE_PAGED);
  assert.equal(renderer.CODE_UNSCANNED, app.CODE_UNSCANNED);
  assert.equal(renderer.CODE_NOT_IN_DUMP, app.CODE_NOT_IN_DUMP);
  assert.equal(renderer.CODE_NO_MFN, app.CODE_NO_MFN);
  assert.equal(renderer.CODE_V1_NO_ERRNO, app.CODE_V1_NO_ERRNO);
  assert.equal(renderer.CODE_V1_UNADDRESSABLE, app.CODE_V1_UNADDRESSABLE);
});

test('statusOf agrees with app/frame-status.ts for all 256 codes', () => {
  for (let code = 0; code < 256; code++) assert.equal(renderer.statusOf(code), app.statusOf(code), `code ${code}`);
});

test('codeNameOf uses the host\'s names and falls back for the common codes', () => {
  const names = app.codeNameTable();
  for (let code = 0; code < 256; code++) assert.equal(renderer.codeNameOf(names, code), names[code]);
  assert.equal(renderer.codeNameOf(undefined, 0), 'OK');
  assert.equal(renderer.codeNameOf(undefined, 2), 'ENOENT');
  assert.equal(renderer.codeNameOf({}, 22), 'errno 22');
});

test('most notable: paged > errors (EPERM, ENOMEM...) > holes and no-answer codes > mapped > unscanned', () => {
  const p = renderer.CODE_PRIORITY;
  assert.ok(p[renderer.CODE_PAGED] > p[renderer.ERRNO.EPERM]);
  assert.ok(p[renderer.ERRNO.ENOMEM] > p[renderer.ERRNO.EINVAL]);
  assert.ok(p[renderer.ERRNO.EINVAL] > p[renderer.CODE_MAPPED]);
  assert.ok(p[renderer.CODE_MAPPED] > p[renderer.CODE_UNSCANNED]);
  assert.equal(p[renderer.ERRNO.EINVAL], p[renderer.CODE_NOT_IN_DUMP]);
  assert.equal(p[renderer.CODE_V1_NO_ERRNO], p[renderer.ERRNO.EINVAL]);
  assert.equal(p[renderer.CODE_NO_MFN], p[renderer.ERRNO.EINVAL], 'a PV guest\'s holes rank as holes');
});

test('the renderer\'s errno numbers are Linux\'s', () => {
  for (const [name, value] of Object.entries(renderer.ERRNO)) assert.equal(value, os.constants.errno[name as keyof typeof os.constants.errno], name);
});
