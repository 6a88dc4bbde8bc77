/**
 * Which backend a command line or a window gets: cheap to ask (no koffi, no emulator), so that
 * commands that map nothing start fast.
 */
import fs from 'node:fs';

import { PRIVCMD_PATH } from '../native/privcmd-path';

export type BackendChoice = 'auto' | 'xen' | 'sim';

export function resolveBackend(options: { backend?: BackendChoice; devicePath?: string }): 'xen' | 'sim' {
  const choice = options.backend ?? 'auto';
  if (choice !== 'auto') return choice;
  return fs.existsSync(options.devicePath ?? PRIVCMD_PATH) ? 'xen' : 'sim';
}
