/**
 * Remembers where the main window was: bounds and maximised state, in userData. A saved
 * position that no display shows any more is dropped rather than opening off-screen.
 */
import fs from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, Rectangle, screen } from 'electron';

interface WindowState {
  bounds: Rectangle;
  maximized: boolean;
}

const DEFAULT_SIZE = { width: 1440, height: 900 };

function stateFile(): string {
  return path.join(app.getPath('userData'), 'window-state.json');
}

function visibleOnSomeDisplay(b: Rectangle): boolean {
  return screen.getAllDisplays().some(({ workArea: a }) =>
    b.x < a.x + a.width && b.x + b.width > a.x && b.y < a.y + a.height && b.y + b.height > a.y);
}

export function loadWindowState(): { bounds: Partial<Rectangle>; maximized: boolean } {
  try {
    const s = JSON.parse(fs.readFileSync(stateFile(), 'utf8')) as WindowState;
    const b = s.bounds;
    const numbers = [b.x, b.y, b.width, b.height].every((n) => Number.isFinite(n));
    if (numbers && b.width >= 400 && b.height >= 300 && visibleOnSomeDisplay(b)) return { bounds: b, maximized: !!s.maximized };
  } catch {
    // first start, or a damaged file: the default size it is
  }
  return { bounds: DEFAULT_SIZE, maximized: false };
}

export function trackWindowState(win: BrowserWindow): void {
  let timer: NodeJS.Timeout | undefined;
  const save = () => {
    if (win.isDestroyed()) return;
    const state: WindowState = { bounds: win.getNormalBounds(), maximized: win.isMaximized() };
    try {
      fs.mkdirSync(path.dirname(stateFile()), { recursive: true });
      fs.writeFileSync(stateFile(), JSON.stringify(state));
    } catch {
      // not worth interrupting the user for
    }
  };
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(save, 500);
  };
  win.on('resize', later);
  win.on('move', later);
  win.on('maximize', later);
  win.on('unmaximize', later);
  win.on('close', () => {
    clearTimeout(timer);
    save();
  });
}
