/**
 * What the main process checks before it answers the renderer, kept free of Electron imports
 * so that tests run it under plain Node: where a message may come from.
 */

/** The custom protocol the app's own page is served from (see protocol.ts). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'framescope';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;
export const APP_ENTRY = `${APP_ORIGIN}/index.html`;

/** IPC channel names: published once, never renamed. */
export const CHANNEL_CALL = 'framescope:call';
export const CHANNEL_EVENTS = 'framescope:events';
export const CHANNEL_DESKTOP = 'framescope:desktop';
export const CHANNEL_MENU = 'framescope:menu';

export interface SenderFacts {
  /** URL of the frame that sent the message. */
  frameUrl: string | undefined;
  /** The frame is its page's main frame, not an iframe. */
  isMainFrame: boolean;
  /** The web contents is our main window's. */
  isAppWindow: boolean;
}

/** Only the app's own page, in its own window's main frame, may call the main process. */
export function isTrustedSender(s: SenderFacts): boolean {
  if (!s.isAppWindow || !s.isMainFrame || !s.frameUrl) return false;
  try {
    const u = new URL(s.frameUrl);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}

/** Whether a navigation target stays inside the app (nothing else is ever loaded). */
export function isAppUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === `${APP_SCHEME}:` && u.host === APP_HOST;
  } catch {
    return false;
  }
}
