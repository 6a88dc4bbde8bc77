/** Where a privileged `framescope serve --unix` listens by default, and where clients look. */
export const DEFAULT_SOCKET_PATH = '/run/framescope/framescope.sock';
