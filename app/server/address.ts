/** Where `framescope serve` listens unless told: loopback. Apart from server.ts so that the CLI can parse --listen without loading the server. */
export const DEFAULT_HOST = '127.0.0.1';
