import fs from 'node:fs';
import path from 'node:path';

/** The version in package.json (two levels above dist/app, in development and packaged). */
export const FRAMESCOPE_VERSION: string = (() => {
  try {
    return JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
})();
