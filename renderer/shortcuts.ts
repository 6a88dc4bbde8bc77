/**
 * The app's keyboard shortcuts, and which page command each key runs. Pure, so node tests
 * check it. KEYBOARD_SHORTCUTS repeats main/menu.ts's list word for word (the renderer may
 * not import main/): test/renderer/shortcuts.test.ts keeps the two equal.
 */
import type { MenuCommand } from '../app/desktop-api';

/** Every shortcut of the app, menus' and page's alike: Help ▸ Keyboard Shortcuts shows this. */
export const KEYBOARD_SHORTCUTS: Array<[string, string]> = [
  ['Ctrl+O', 'open a memory dump'],
  ['Ctrl+Shift+O', 'open a snapshot'],
  ['Ctrl+S', 'save the current scan as a snapshot'],
  ['Ctrl+D', 'diff two scans or snapshots'],
  ['Ctrl+E / Ctrl+Shift+E', 'export the statuses as CSV / JSON'],
  ['Ctrl+P / Ctrl+Shift+P', 'export the grid as PNG: the view / the whole grid'],
  ['Enter or F5', 'scan (rescan) the range'],
  ['Ctrl+R', 'auto-rescan on or off'],
  ['Ctrl+I', 'page in the selected range (retry policy)'],
  ['Ctrl+F', 'search memory for a string or bytes'],
  ['Ctrl+T', 'show the timeline'],
  ['Arrows, PageUp/PageDown, Home/End', 'pan the grid'],
  ['+ / - (or the wheel)', 'zoom around the cursor'],
  ['0', 'fit the grid to the window'],
  ['N / Shift+N', 'next / previous frame of the status or errno the legend highlights'],
  ['Shift+drag', 'select a box of frames (rescan, page in, search it)'],
  ['Click', 'select a frame and show its bytes'],
  ['Escape', 'stop the running scan or search, clear the selection'],
  ['F1 or ?', 'this list'],
];

/** Shortcuts only the desktop app has (its menus handle them). */
export const DESKTOP_ONLY_SHORTCUTS = new Set(['Ctrl+O']);

/** What the page does: the desktop menus' commands, Escape, and the highlight's steps. */
export type PageCommand = MenuCommand | 'escape' | 'highlight-next' | 'highlight-previous';

export interface KeyLike {
  key: string;
  ctrlKey: boolean;
  metaKey: boolean;
  shiftKey: boolean;
  altKey: boolean;
}

/**
 * Where the key was pressed: in a text field (Enter and ? are typing), on another control
 * (Enter presses it), or elsewhere.
 */
export type KeyTarget = 'text' | 'control' | 'other';

/** The page command a key runs, or null (the key is left to the browser or the grid). */
export function commandForKey(e: KeyLike, target: KeyTarget): PageCommand | null {
  if (e.altKey) return null;
  const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
  if (e.ctrlKey || e.metaKey) {
    switch (key) {
      case 's': return e.shiftKey ? null : 'save-snapshot';
      // Ctrl+O opens a dump: the desktop menu's own, and nothing to do in a browser.
      case 'o': return e.shiftKey ? 'open-snapshot' : null;
      case 'd': return e.shiftKey ? null : 'diff-snapshots';
      case 'e': return e.shiftKey ? 'export-json' : 'export-csv';
      case 'p': return e.shiftKey ? 'export-png-whole' : 'export-png-view';
      case 'r': return e.shiftKey ? null : 'toggle-auto-rescan';
      case 'i': return e.shiftKey ? null : 'page-in';
      case 'f': return e.shiftKey ? null : 'find';
      case 't': return e.shiftKey ? null : 'show-timeline';
      default: return null;
    }
  }
  switch (key) {
    case 'F5': return e.shiftKey ? null : 'rescan';
    case 'F1': return 'show-shortcuts';
    case 'Escape': return 'escape';
    case 'Enter': return target === 'other' && !e.shiftKey ? 'rescan' : null;
    case '?': return target === 'text' ? null : 'show-shortcuts';
    case 'n': return target === 'text' ? null : e.shiftKey ? 'highlight-previous' : 'highlight-next';
    default: return null;
  }
}
