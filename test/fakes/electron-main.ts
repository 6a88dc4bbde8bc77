/**
 * Runs main/main.js as Electron starts it, under the Electron stub, in a process of its own
 * (so that what main writes goes to a real stdout and stderr): `node electron-main.js
 * [--default-app] ARGV...`, ARGV being process.argv as Electron would give it. Exits with the
 * code main exits with (app.exit); what main asked of Electron goes, as JSON, to the file
 * named by FRAMESCOPE_STUB_REPORT.
 */
import { electron } from './electron';

import fs from 'node:fs';

async function run(): Promise<void> {
  const args = process.argv.slice(2);
  const defaultApp = args[0] === '--default-app';
  electron.runMain(defaultApp ? args.slice(1) : args, defaultApp);
  const code = await electron.exited();
  const report = process.env.FRAMESCOPE_STUB_REPORT;
  if (report) {
    fs.writeFileSync(report, JSON.stringify({
      windows: electron.windows.length,
      singleInstanceRequested: electron.singleInstanceRequested,
      schemesRegistered: electron.schemesRegistered,
      handlers: electron.handlers.size,
    }));
  }
  process.exit(code);
}

void run();
