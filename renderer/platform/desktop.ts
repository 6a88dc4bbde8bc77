/**
 * The desktop app's additions (app/desktop-api.ts), exposed by the Electron preload as
 * window.framescopeDesktop: native dialogs, dropped files, recent dumps, menu commands. In a
 * plain browser (the headless server) it is absent, and the UI hides what needs it.
 */
import type { DesktopBridge } from '../../app/desktop-api';

declare global {
  interface Window {
    framescopeDesktop?: DesktopBridge;
  }
}

export function desktopBridge(): DesktopBridge | null {
  return typeof window !== 'undefined' ? window.framescopeDesktop ?? null : null;
}
