/**
 * The app's executable as the framescope CLI: `framescope-app [switches] --cli [--] ARGS` runs
 * app/cli.ts with ARGS in the main process and exits with its code, without a window, a lock
 * or a page. The installed `framescope` command (packaging/bin/framescope) runs it this way
 * when the system has no recent enough Node.js: the app's Electron is built with the runAsNode
 * fuse off (electron-builder.yml), so ELECTRON_RUN_AS_NODE no longer makes it a Node.js.
 */
import { app } from 'electron';

export const CLI_SWITCH = '--cli';
/** Chromium reads no switch after this one: the CLI's arguments stay the CLI's. */
const END_OF_SWITCHES = '--';

/**
 * The CLI's arguments when `argv` (process.argv) asks for the CLI mode, else null. The mode is
 * `--cli` among the arguments after the app's own (the executable, and the app's directory
 * when run as `electron .`), before any `--`. Chromium's switches may come before it; the CLI
 * gets what follows the `--` after `--cli`, or, without one, all that follows `--cli`.
 */
export function cliModeArguments(argv: readonly string[], defaultApp: boolean): string[] | null {
  const args = argv.slice(defaultApp ? 2 : 1);
  const end = args.indexOf(END_OF_SWITCHES);
  const at = args.indexOf(CLI_SWITCH);
  if (at < 0 || (end >= 0 && end < at)) return null;
  const rest = args.slice(at + 1);
  return rest[0] === END_OF_SWITCHES ? rest.slice(1) : rest;
}

/** Runs the CLI and exits with its code once what it wrote has gone out. */
export async function runCliMode(args: string[]): Promise<void> {
  const { main } = require('../app/cli') as typeof import('../app/cli');
  let code: number;
  try {
    code = await main(args);
  } catch (e) {
    // main answers every failure itself; this is a bug of ours, said as such
    process.stderr.write(`framescope: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    code = 1;
  }
  process.stdout.write('', () => process.stderr.write('', () => app.exit(code)));
}
