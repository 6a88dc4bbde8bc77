import { test } from 'node:test';
import assert from 'node:assert/strict';

import {
  formatAddress, formatBytes, formatDuration, formatGfn, formatPercent, parseFrameNumber, parseRange,
} from '../../renderer/format';

test('frame numbers parse as hex or decimal', () => {
  assert.deepEqual(parseFrameNumber('0x1f000'), { ok: true, value: 0x1f000 });
  assert.deepEqual(parseFrameNumber(' 126976 '), { ok: true, value: 126976 });
  assert.deepEqual(parseFrameNumber('0X10_00'), { ok: true, value: 0x1000 });
  assert.equal(parseFrameNumber('12g').ok, false);
  assert.equal(parseFrameNumber('-1').ok, false);
  assert.equal(parseFrameNumber('1.5').ok, false);
  assert.equal(parseFrameNumber('0x').ok, false);
});

test('an empty range is the whole domain', () => {
  assert.deepEqual(parseRange('', '', 0x1000), { ok: true, first: 0, last: 0xfff, whole: true });
  assert.deepEqual(parseRange('0x10', '', 0x1000), { ok: true, first: 0x10, last: 0xfff, whole: false });
});

test('bad ranges say which field and why', () => {
  const past = parseRange('', '0x1000', 0x1000);
  assert.equal(past.ok, false);
  assert.ok(!past.ok && past.field === 'last' && past.error.includes('0xfff'));
  const reversed = parseRange('0x20', '0x10', 0x1000);
  assert.ok(!reversed.ok && reversed.field === 'last');
  const junk = parseRange('zz', '', 0x1000);
  assert.ok(!junk.ok && junk.field === 'first');
  const unknown = parseRange('', '', null);
  assert.ok(!unknown.ok && unknown.field === 'last');
  assert.deepEqual(parseRange('0', '0x10', null), { ok: true, first: 0, last: 0x10, whole: false });
});

test('sizes, addresses and durations read as a Xen developer expects', () => {
  assert.equal(formatBytes(64 * 1024 ** 3), '64 GiB');
  assert.equal(formatBytes(77 * 1024 ** 2), '77 MiB');
  assert.equal(formatBytes(1536), '1.5 KiB');
  assert.equal(formatGfn(0x1234, 0x100000), '0x01234');
  assert.equal(formatAddress(0x1234, 0x100000), '0x01234000');
  assert.equal(formatAddress(0xf0ffff, 0x1000000), '0xf0ffff000');
  assert.equal(formatPercent(1, 3), '33.3%');
  assert.equal(formatPercent(0, 3), '0%');
  assert.equal(formatPercent(1, 1e9), '<0.01%');
  assert.equal(formatDuration(250), '250 ms');
  assert.equal(formatDuration(7200), '7.20 s');
});
