/**
 * Chooses what framescope inspects: the real /dev/xen/privcmd, or the embedded default, the
 * privcmd emulator with a simulated host, reached through the very same calls.
 */
import { loadEmulator } from '../native/emulator';
import { PRIVCMD_PATH } from '../native/privcmd-device';
import { errno, loadLibc, SyscallError } from '../native/syscalls';
import { openDumpSource } from './dump/dump-source';
import type { FrameSource } from './frame-source';
import { ListedDomain, PrivcmdFrameSource } from './privcmd-source';
import { DEFAULT_SOCKET_PATH } from './socket-path';
import { applySimHostConfig, loadSimHostConfigFile } from './sim-config';
import { connectXenstore, listXenstoreDomains, readOwnDomid, XenstoreClient } from './xenstore';

import { BackendChoice, resolveBackend } from './backend-choice';

export { resolveBackend };
export type { BackendChoice };

export interface BackendOptions {
  backend?: BackendChoice;
  /** A simulated host described by a JSON file (docs/sim-config.md); default the built-in one. */
  simConfig?: string;
  /** Seed of the built-in simulated host. */
  simSeed?: number;
  /** Stepped: the simulated host's clock stands still, so paging freezes and scans repeat exactly. */
  simClock?: 'realtime' | 'stepped';
  devicePath?: string;
  /** Serve one domain only; the privcmd descriptor is restricted to it (IOCTL_PRIVCMD_RESTRICT). */
  onlyDomain?: number;
  /** Inspect a memory dump file (xl dump-core, QEMU/libvirt ELF, raw) instead of a host. */
  dump?: string;
}

/** Why framescope cannot use the device, with what to do about it, in one line. */
export class BackendError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = 'BackendError';
  }
}

export const DEFAULT_SIM_SEED = 1;


export async function openFrameSource(options: BackendOptions = {}): Promise<FrameSource> {
  if (options.dump) return openDumpSource(options.dump);
  return resolveBackend(options) === 'xen' ? openXen(options) : openSim(options);
}

async function openXen(options: BackendOptions): Promise<FrameSource> {
  const devicePath = options.devicePath ?? PRIVCMD_PATH;
  return explainOpen(devicePath, PrivcmdFrameSource.open({
    syscalls: loadLibc(),
    devicePath,
    onlyDomain: options.onlyDomain,
    description: { backend: 'xen', simulated: false, description: devicePath },
    listDomains: () => withXenstore(listXenstoreDomains),
    ownDomain: () => withXenstore(readOwnDomid),
  }));
}

async function withXenstore<T>(body: (client: XenstoreClient) => Promise<T>): Promise<T> {
  const client = await connectXenstore();
  try {
    return await body(client);
  } finally {
    client.close();
  }
}

function openSim(options: BackendOptions): Promise<FrameSource> {
  const emu = loadEmulator();
  // The clock first: a stepped clock must be set before paging starts on the new host.
  if (options.simConfig) {
    const config = loadSimHostConfigFile(options.simConfig);
    applySimHostConfig(emu, options.simClock ? { ...config, clock: options.simClock } : config);
  } else {
    emu.setClockMode(options.simClock ?? 'realtime');
    emu.loadDefaultHost(options.simSeed ?? DEFAULT_SIM_SEED);
  }
  const what = options.simConfig ? `host from ${options.simConfig}` : 'built-in default host';
  return explainOpen(PRIVCMD_PATH, PrivcmdFrameSource.open({
    syscalls: emu.syscalls,
    onlyDomain: options.onlyDomain,
    description: { backend: 'sim', simulated: true, description: `simulated Xen host (privcmd emulator, ${what})` },
    // what xenstore would say: a dom0's node has only name and domid, no memory keys
    listDomains: async (): Promise<ListedDomain[]> =>
      emu.domains().map((d) => ({
        id: d.domid,
        name: d.name,
        memoryKiB: d.domid === 0 ? null : d.targetKiB,
        maxMemoryKiB: d.domid === 0 ? null : d.staticMaxKiB,
      })),
    ownDomain: async () => {
      const self = emu.knob('self_domid');
      return self < 0 ? null : self;
    },
  }));
}

/** The same explanation whichever device refused: the emulator's knobs reproduce the real ones. */
async function explainOpen<T>(devicePath: string, opening: Promise<T>): Promise<T> {
  try {
    return await opening;
  } catch (e) {
    throw explainOpenFailure(e, devicePath);
  }
}

export function explainOpenFailure(e: unknown, devicePath: string): Error {
  if (!(e instanceof SyscallError)) return e as Error;
  if (e.errno === errno.ENOENT) {
    return new BackendError(`no Xen host here: ${devicePath} does not exist (use --backend sim for the simulated host)`, 'ENOENT');
  }
  if (e.errno === errno.EACCES || e.errno === errno.EPERM) {
    return new BackendError(`permission denied opening ${devicePath} (${e.code}): access to privcmd is root-equivalent; run 'sudo framescope serve --unix ${DEFAULT_SOCKET_PATH}' and attach with --attach (see README, Privileges)`, e.code);
  }
  return new BackendError(`cannot open ${devicePath}: ${e.message}`, e.code);
}
