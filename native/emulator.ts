/**
 * The privcmd emulator (native/emulator/*.c, built as libprivcmd-sim.so): its device calls as
 * Syscalls, the same interface libc gives, and its control API for building simulated hosts
 * and turning test knobs. The library's state is per process: every thread that loads it
 * talks to the same simulated host.
 */
import fs from 'node:fs';
import path from 'node:path';
import koffi from 'koffi';

import { bindSyscalls, Syscalls, SyscallError } from './syscalls';

export const EMULATOR_LIBRARY = 'libprivcmd-sim.so';

export enum FrameKind {
  Ram = 0,
  Hole = 1,
  Ballooned = 2,
  Perm = 3,
  Busy = 4,
  NoMem = 5,
  /** RAM that starts paged out (layouts only). */
  Paged = 6,
}

export enum DomainType {
  Hvm = 0,
  Pvh = 1,
  Pv = 2,
}

/** How a PV guest publishes its p2m (sim_p2m_form). */
export enum P2mForm {
  /** Not published: frame numbers answer by the layout, number for number. */
  None = 0,
  /** The virtually mapped list (p2m_cr3, p2m_vaddr), as current Linux does. */
  List = 1,
  /** The 3-level frame-list tree (pfn_to_mfn_frame_list_list). */
  Tree = 2,
  Both = 3,
}

/** A p2m built to break its reader (sim_p2m_hostile). */
export enum P2mHostile {
  Sound = 0,
  Loop = 1,
  OutOfRange = 2,
  BadTable = 3,
  BadVaddr = 4,
  InProgress = 5,
  Huge = 6,
}

export enum PagingState {
  Resident = 0,
  Paged = 1,
  PagingIn = 2,
}

export const EMULATOR_KNOBS = [
  'no_v2', 'v2_errno', 'v1_quirk', 'enoent_rule', 'efault_after_calls', 'destroy_domid',
  'destroy_after_calls', 'eperm', 'open_errno', 'alias_2_40', 'self_domid', 'domctl_version',
] as const;
export type EmulatorKnob = (typeof EMULATOR_KNOBS)[number];

export interface EmulatorDomain {
  domid: number;
  type: DomainType;
  name: string;
  frames: number;
  targetKiB: number;
  staticMaxKiB: number;
  ramFrames: number;
  pagedFrames: number;
  pendingPageIns: number;
}

export interface EmulatorStats {
  openFds: number;
  liveVmas: number;
  mappedPages: number;
  mmapbatchCalls: number;
  /** Of mmapbatchCalls, those through the V1 ioctl. */
  mmapbatchV1Calls: number;
  pageInRequests: number;
  pageInDropped: number;
  pageOuts: number;
  pageIns: number;
}

export interface PagingConfig {
  outPerSecond: number;
  inPerSecond: number;
  latencyMs: [number, number];
  initialPagedFraction: number;
  maxPagedFraction: number;
  ringSize: number;
}

// Registered by name for the prototypes below.
koffi.struct('sim_domain_info_t', {
  domid: 'uint32_t',
  type: 'uint32_t',
  frames: 'uint64_t',
  target_kib: 'uint64_t',
  static_max_kib: 'uint64_t',
  ram_frames: 'uint64_t',
  paged_frames: 'uint64_t',
  pending_pageins: 'uint64_t',
  name: koffi.array('char', 64, 'String'),
});

koffi.struct('sim_stats_t', {
  open_fds: 'uint64_t',
  live_vmas: 'uint64_t',
  mapped_pages: 'uint64_t',
  mmapbatch_calls: 'uint64_t',
  pagein_requests: 'uint64_t',
  pagein_dropped: 'uint64_t',
  pageouts: 'uint64_t',
  pageins: 'uint64_t',
  mmapbatch_v1_calls: 'uint64_t',
});

export interface Emulator {
  readonly path: string;
  readonly syscalls: Syscalls;
  reset(seed: number): void;
  loadDefaultHost(seed: number): void;
  shutdown(): void;
  addDomain(domid: number, name: string, type: DomainType, frames: number, targetKiB: number, staticMaxKiB: number): void;
  setRange(domid: number, first: number, last: number, kind: FrameKind): void;
  setPaging(domid: number, paging: PagingConfig): void;
  plant(domid: number, gfn: number, offset: number, bytes: Uint8Array): void;
  /** Publishes a PV guest's p2m (its entries follow the layout). */
  setP2m(domid: number, form: P2mForm, hostile?: P2mHostile): void;
  /** The machine frame of a PV guest's pfn; throws EINVAL where its p2m entry is invalid. */
  machineFrame(domid: number, pfn: number): number;
  destroyDomain(domid: number): void;
  domains(): EmulatorDomain[];
  /** Kind and paging state of one frame. */
  frameState(domid: number, gfn: number): { kind: FrameKind; paging: PagingState };
  pageOut(domid: number, gfn: number): void;
  setKnob(name: EmulatorKnob, value: number): void;
  knob(name: EmulatorKnob): number;
  /** Stepped: time moves only through advanceClock, so tests see every transition. */
  setClockMode(mode: 'realtime' | 'stepped'): void;
  advanceClock(ms: number): void;
  nowMs(): number;
  stats(): EmulatorStats;
  abiValue(name: string): number;
  abiSource(): 'xen' | 'framescope';
}

/**
 * Where the library is: beside this file once built (dist/native), and outside the asar
 * archive when packaged, since a shared library cannot be loaded from inside it.
 */
export function emulatorLibraryPath(dir = __dirname): string {
  const candidates = [
    path.join(dir.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`), EMULATOR_LIBRARY),
    path.join(dir, EMULATOR_LIBRARY),
  ];
  const found = candidates.find((p) => fs.existsSync(p));
  if (!found) {
    throw new Error(`the privcmd emulator is not built (looked for ${candidates.join(', ')}): run npm run build`);
  }
  return found;
}

let loaded: Emulator | undefined;

export function loadEmulator(): Emulator {
  if (loaded) return loaded;
  const libPath = emulatorLibraryPath();
  const lib = koffi.load(libPath);
  const f = (proto: string) => lib.func(proto);
  const api = {
    reset: f('int sim_host_reset(uint64_t seed)'),
    loadDefault: f('int sim_host_load_default(uint64_t seed)'),
    shutdown: f('int sim_host_shutdown()'),
    domainAdd: f('int sim_domain_add(uint32_t domid, const char *name, uint32_t type, uint64_t frames, uint64_t target_kib, uint64_t static_max_kib)'),
    setRange: f('int sim_domain_set_range(uint32_t domid, uint64_t first, uint64_t last, uint32_t kind)'),
    setPaging: f('int sim_domain_set_paging(uint32_t domid, double out_per_s, double in_per_s, uint32_t latency_min_ms, uint32_t latency_max_ms, double initial_paged_fraction, double max_paged_fraction, uint32_t ring_size)'),
    plant: f('int sim_domain_plant(uint32_t domid, uint64_t gfn, uint32_t offset, const uint8_t *bytes, uint32_t len)'),
    setP2m: f('int sim_domain_set_p2m(uint32_t domid, uint32_t form, uint32_t hostile)'),
    mfn: f('int64_t sim_domain_mfn(uint32_t domid, uint64_t pfn)'),
    destroy: f('int sim_domain_destroy(uint32_t domid)'),
    count: f('int sim_domain_count()'),
    info: f('int sim_domain_info(int index, _Out_ sim_domain_info_t *out)'),
    frameState: f('int sim_frame_state(uint32_t domid, uint64_t gfn)'),
    pageOut: f('int sim_page_out(uint32_t domid, uint64_t gfn)'),
    setKnob: f('int sim_set_knob(const char *name, int64_t value)'),
    getKnob: f('int64_t sim_get_knob(const char *name)'),
    clockMode: f('int sim_clock_set_mode(int stepped)'),
    advance: f('int sim_clock_advance(uint64_t ms)'),
    now: f('uint64_t sim_clock_now_ms()'),
    stats: f('int sim_stats(_Out_ sim_stats_t *out)'),
    abiValue: f('int64_t sim_abi_value(const char *name)'),
    abiSource: f('const char *sim_abi_source()'),
  };
  const check = (call: string, ret: number, detail?: string) => {
    if (ret < 0) throw new SyscallError(call, koffi.errno(), detail);
  };
  const num = (v: number | bigint) => Number(v);

  loaded = {
    path: libPath,
    syscalls: bindSyscalls(lib, 'emulator'),
    reset: (seed) => check('sim_host_reset', api.reset(seed)),
    loadDefaultHost: (seed) => check('sim_host_load_default', api.loadDefault(seed)),
    shutdown: () => check('sim_host_shutdown', api.shutdown()),
    addDomain: (domid, name, type, frames, targetKiB, staticMaxKiB) =>
      check('sim_domain_add', api.domainAdd(domid, name, type, frames, targetKiB, staticMaxKiB), `domain ${domid}`),
    setRange: (domid, first, last, kind) =>
      check('sim_domain_set_range', api.setRange(domid, first, last, kind), `domain ${domid} ${first}-${last}`),
    setPaging: (domid, p) =>
      check('sim_domain_set_paging', api.setPaging(domid, p.outPerSecond, p.inPerSecond, p.latencyMs[0],
        p.latencyMs[1], p.initialPagedFraction, p.maxPagedFraction, p.ringSize), `domain ${domid}`),
    plant: (domid, gfn, offset, bytes) =>
      check('sim_domain_plant', api.plant(domid, gfn, offset, bytes, bytes.length), `domain ${domid} gfn ${gfn}`),
    setP2m: (domid, form, hostile = P2mHostile.Sound) =>
      check('sim_domain_set_p2m', api.setP2m(domid, form, hostile), `domain ${domid}`),
    machineFrame: (domid, pfn) => {
      const mfn = num(api.mfn(domid, pfn));
      check('sim_domain_mfn', mfn, `domain ${domid} pfn ${pfn}`);
      return mfn;
    },
    destroyDomain: (domid) => check('sim_domain_destroy', api.destroy(domid), `domain ${domid}`),
    domains: () => {
      const out: EmulatorDomain[] = [];
      const n = api.count();
      for (let i = 0; i < n; i++) {
        const d: Record<string, number | bigint | string> = {};
        if (api.info(i, d) < 0) continue; // destroyed meanwhile
        out.push({
          domid: num(d.domid as number),
          type: num(d.type as number) as DomainType,
          name: d.name as string,
          frames: num(d.frames as bigint),
          targetKiB: num(d.target_kib as bigint),
          staticMaxKiB: num(d.static_max_kib as bigint),
          ramFrames: num(d.ram_frames as bigint),
          pagedFrames: num(d.paged_frames as bigint),
          pendingPageIns: num(d.pending_pageins as bigint),
        });
      }
      return out;
    },
    frameState: (domid, gfn) => {
      const s = api.frameState(domid, gfn);
      check('sim_frame_state', s, `domain ${domid} gfn ${gfn}`);
      return { kind: (s & 0x7) as FrameKind, paging: ((s >> 3) & 0x3) as PagingState };
    },
    pageOut: (domid, gfn) => check('sim_page_out', api.pageOut(domid, gfn), `domain ${domid} gfn ${gfn}`),
    setKnob: (name, value) => check('sim_set_knob', api.setKnob(name, value), name),
    knob: (name) => num(api.getKnob(name)),
    setClockMode: (mode) => check('sim_clock_set_mode', api.clockMode(mode === 'stepped' ? 1 : 0)),
    advanceClock: (ms) => check('sim_clock_advance', api.advance(ms)),
    nowMs: () => num(api.now()),
    stats: () => {
      const s: Record<string, bigint | number> = {};
      check('sim_stats', api.stats(s));
      return {
        openFds: num(s.open_fds), liveVmas: num(s.live_vmas), mappedPages: num(s.mapped_pages),
        mmapbatchCalls: num(s.mmapbatch_calls), mmapbatchV1Calls: num(s.mmapbatch_v1_calls), pageInRequests: num(s.pagein_requests),
        pageInDropped: num(s.pagein_dropped), pageOuts: num(s.pageouts), pageIns: num(s.pageins),
      };
    },
    abiValue: (name) => num(api.abiValue(name)),
    abiSource: () => api.abiSource() as 'xen' | 'framescope',
  };
  return loaded;
}
