/**
 * The app's security policy: a strict CSP, no navigation away from the app, no new windows,
 * no permissions, only the project's own links opened in the browser. Everything the renderer
 * needs it gets from the preload's API.
 */
import { app, session, shell } from 'electron';

import { allowedExternalUrl, isAppUrl } from './ipc-guard';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "connect-src 'self'",
  "worker-src 'self' blob:",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

export function setupSecurity(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!isAppUrl(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      // The project's own links open in the user's browser, never inside the app; any other
      // URL the page asks for goes nowhere (a page that could open any URL could hand the
      // desktop's URL handlers whatever it likes).
      const external = allowedExternalUrl(url);
      if (external) void shell.openExternal(external);
      return { action: 'deny' };
    });
  });
}
