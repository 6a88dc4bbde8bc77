import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { KEYBOARD_SHORTCUTS, type KeyLike, commandForKey } from '../../renderer/shortcuts';

/** The repository's root, from dist/test/renderer/. */
const ROOT = path.resolve(__dirname, '..', '..', '..');

/** KEYBOARD_SHORTCUTS of main/menu.ts, read as text: the renderer may not import main/. */
function menuShortcuts(): Array<[string, string]> {
  const source = fs.readFileSync(path.join(ROOT, 'main', 'menu.ts'), 'utf8');
  const block = /export const KEYBOARD_SHORTCUTS[^=]*=\s*\[([\s\S]*?)\n\];/.exec(source);
  assert.ok(block, 'main/menu.ts declares KEYBOARD_SHORTCUTS');
  const entries = [...block[1].matchAll(/\[\s*'((?:[^'\\]|\\.)*)'\s*,\s*'((?:[^'\\]|\\.)*)'\s*\]/g)].map((m) => [m[1], m[2]] as [string, string]);
  assert.ok(entries.length > 10);
  return entries;
}

test('the in-app shortcuts list is main/menu.ts\'s, word for word', () => {
  assert.deepEqual(KEYBOARD_SHORTCUTS, menuShortcuts());
});

function key(k: string, mods: Partial<KeyLike> = {}): KeyLike {
  return { key: k, ctrlKey: false, metaKey: false, shiftKey: false, altKey: false, ...mods };
}

test('every page-side shortcut of the list runs its command', () => {
  const ctrl = { ctrlKey: true };
  const ctrlShift = { ctrlKey: true, shiftKey: true };
  const expected: Array<[KeyLike, string]> = [
    [key('O', ctrlShift), 'open-snapshot'],
    [key('s', ctrl), 'save-snapshot'],
    [key('d', ctrl), 'diff-snapshots'],
    [key('e', ctrl), 'export-csv'],
    [key('E', ctrlShift), 'export-json'],
    [key('p', ctrl), 'export-png-view'],
    [key('P', ctrlShift), 'export-png-whole'],
    [key('Enter'), 'rescan'],
    [key('F5'), 'rescan'],
    [key('r', ctrl), 'toggle-auto-rescan'],
    [key('i', ctrl), 'page-in'],
    [key('f', ctrl), 'find'],
    [key('t', ctrl), 'show-timeline'],
    [key('Escape'), 'escape'],
    [key('F1'), 'show-shortcuts'],
    [key('?', { shiftKey: true }), 'show-shortcuts'],
    [key('s', { metaKey: true }), 'save-snapshot'],
  ];
  for (const [k, command] of expected) assert.equal(commandForKey(k, 'other'), command, JSON.stringify(k));
});

test('keys the page leaves alone: typing, the browser\'s own, the grid\'s', () => {
  // Enter and ? in a text field are typing; Enter on a button presses it
  assert.equal(commandForKey(key('Enter'), 'text'), null);
  assert.equal(commandForKey(key('Enter'), 'control'), null);
  assert.equal(commandForKey(key('?'), 'text'), null);
  // but the Ctrl shortcuts and Escape work from a field too
  assert.equal(commandForKey(key('f', { ctrlKey: true }), 'text'), 'find');
  assert.equal(commandForKey(key('Escape'), 'text'), 'escape');
  // Ctrl+O is the desktop menu's; Ctrl+Shift+R and Ctrl+Shift+I stay the browser's
  assert.equal(commandForKey(key('o', { ctrlKey: true }), 'other'), null);
  assert.equal(commandForKey(key('R', { ctrlKey: true, shiftKey: true }), 'other'), null);
  assert.equal(commandForKey(key('I', { ctrlKey: true, shiftKey: true }), 'other'), null);
  assert.equal(commandForKey(key('c', { ctrlKey: true }), 'other'), null);
  assert.equal(commandForKey(key('f', { ctrlKey: true, altKey: true }), 'other'), null);
  // the grid's keys are the grid's
  for (const k of ['ArrowLeft', 'PageUp', 'Home', '+', '-', '0', 'w']) assert.equal(commandForKey(key(k), 'other'), null);
});
