/**
 * What the main process checks before it answers the renderer, kept free of Electron imports
 * so that tests run it under plain Node: where a message may come from, and which links may
 * leave the app for the user's browser.
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

/** The project's home: package.json's homepage (a test keeps them equal). */
export const PROJECT_HOME = 'https://github.com/framescope/framescope';

/**
 * The only links the app opens in the user's browser: the project's home and its top pages,
 * exactly; its issues, releases and documentation, each with everything below it. Nothing else
 * leaves the app, however the page asks.
 */
export const EXTERNAL_PAGES: readonly string[] = [
  PROJECT_HOME,
  `${PROJECT_HOME}/blob/main/README.md`,
  `${PROJECT_HOME}/blob/main/BENCHMARKS.md`,
];
export const EXTERNAL_SECTIONS: readonly string[] = [
  `${PROJECT_HOME}/issues`,
  `${PROJECT_HOME}/releases`,
  `${PROJECT_HOME}/blob/main/docs`,
  `${PROJECT_HOME}/tree/main/docs`,
];

/**
 * The URL to open in the user's browser, normalised, when `url` is one of EXTERNAL_PAGES or
 * one of EXTERNAL_SECTIONS or below it (by whole path segments, once the URL parser has
 * resolved any `..`); else null. https only, no credentials, no port.
 */
export function allowedExternalUrl(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  if (u.protocol !== 'https:' || u.username || u.password || u.port) return null;
  const path = u.pathname.replace(/\/+$/, '');
  const at = (link: string) => {
    const base = new URL(link);
    return u.host === base.host ? base.pathname : null;
  };
  const allowed = EXTERNAL_PAGES.some((link) => at(link) === path)
    || EXTERNAL_SECTIONS.some((link) => {
      const base = at(link);
      return base !== null && (path === base || path.startsWith(`${base}/`));
    });
  return allowed ? u.href : null;
}
