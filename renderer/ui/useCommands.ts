/** Wires the keyboard and the desktop menus to the page's commands, once per store. */
import { useEffect, useMemo } from 'react';

import { desktopBridge } from '../platform/desktop';
import { type KeyTarget, commandForKey } from '../shortcuts';
import type { FramescopeStore } from '../store/types';
import { commandRunner } from './commands';

function keyTarget(target: EventTarget | null): KeyTarget {
  if (!(target instanceof HTMLElement)) return 'other';
  if (target.isContentEditable || target.tagName === 'TEXTAREA' || target.tagName === 'SELECT') return 'text';
  if (target.tagName === 'INPUT') {
    const type = (target as HTMLInputElement).type;
    return type === 'checkbox' || type === 'radio' || type === 'button' || type === 'submit' ? 'control' : 'text';
  }
  if (target.tagName === 'BUTTON' || target.tagName === 'A' || target.closest('[role="dialog"], [role="menu"]')) return 'control';
  return 'other';
}

export function useCommands(store: FramescopeStore): void {
  const run = useMemo(() => commandRunner(store), [store]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      // Keys the grid or a field has handled are theirs.
      if (e.defaultPrevented || e.isComposing) return;
      const command = commandForKey(e, keyTarget(e.target));
      if (command && run(command, 'keyboard')) e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    const offMenu = desktopBridge()?.onMenuCommand((command) => run(command, 'menu'));
    return () => {
      window.removeEventListener('keydown', onKey);
      offMenu?.();
    };
  }, [run]);
}
