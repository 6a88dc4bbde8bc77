/** The selected frame and its contents (the hex view), and a box selection waiting for a rescan. */
import type { FrameRead } from '../../app/api';
import { CODE_UNSCANNED } from '../frame-codes';
import { errorMessage } from './errors';
import { abiOf, legendOf } from './scan-slice';
import type { FramescopeState, SelectionSlice, SliceCreator, StoreDeps } from './types';

/**
 * The domain whose bytes the hex view reads: the domain on show, or the domain of the past
 * scan on show when what is inspected now has it (same id and name); null when it does not
 * (a snapshot from another host, or of a guest inspected from a dump).
 */
export function readableDomain(s: FramescopeState): number | null {
  if (!s.pastView) return s.domainId;
  const { domain, domainName } = s.pastView.record;
  return s.domains.some((d) => d.id === domain && d.name === domainName) ? domain : null;
}

/** Nothing selected, nothing read: a new slice, and any domain just switched to. */
export const NO_SELECTION = {
  selectedGfn: null,
  frameRead: null,
  readMode: null,
  readStatus: 'idle',
  readError: null,
  boxRange: null,
} as const satisfies Partial<SelectionSlice>;

/**
 * A read is a scan of one frame: when it finds the frame in another state than the live grid
 * shows (a paged frame that has paged in), the grid, the legend and the frame's history say so
 * too, instead of the cell staying orange beside a hex view full of bytes.
 */
function applyRead(set: Parameters<SliceCreator<unknown>>[0], get: () => FramescopeState, deps: StoreDeps, read: FrameRead): void {
  const s = get();
  if (s.pastView || s.domainId !== read.domain) return;
  const buffer = deps.buffers.get(read.domain);
  const before = buffer?.codeAt(read.gfn);
  if (!buffer || before === undefined || before === read.code || before === CODE_UNSCANNED) return;
  const at = deps.clock.now();
  buffer.apply(read.gfn, Uint8Array.of(read.code), {
    onTransition: (gfn, from, to) => deps.history.record(read.domain, gfn, { at, from, to, source: 'read' }),
  });
  set({ ...legendOf(get()), historyVersion: get().historyVersion + 1 });
}

export const createSelectionSlice: SliceCreator<SelectionSlice> = (set, get, deps) => {
  const { api } = deps;
  /** Answers to reads older than the latest are dropped: the user has moved on. */
  let readSeq = 0;

  return {
    ...NO_SELECTION,

    selectFrame(gfn) {
      if (gfn === null) {
        readSeq++;
        set({ selectedGfn: null, frameRead: null, readMode: null, readStatus: 'idle', readError: null });
        return;
      }
      if (gfn === get().selectedGfn && get().readStatus !== 'error') return;
      set({ selectedGfn: gfn, frameRead: null, readMode: null, readStatus: 'idle', readError: null });
      void get().readSelected('observe');
    },

    async readSelected(mode) {
      const gfn = get().selectedGfn;
      const domain = readableDomain(get());
      if (gfn === null) return;
      if (domain === null) {
        readSeq++;
        const r = get().pastView?.record;
        set({
          readStatus: 'unavailable', readMode: null, frameRead: null,
          readError: r ? `dom${r.domain} "${r.domainName}" is not on what is inspected now: the snapshot holds statuses, not bytes` : null,
        });
        return;
      }
      const seq = ++readSeq;
      set({ readStatus: 'loading', readMode: mode, readError: null });
      try {
        const read = await api.readFrame({ domain, gfn, mode, ...abiOf(get()) });
        if (seq !== readSeq) return;
        set({ frameRead: read, readStatus: 'ready' });
        applyRead(set, get, deps, read);
      } catch (e) {
        if (seq !== readSeq) return;
        set({ readStatus: 'error', readError: errorMessage(e) });
      }
    },

    setBoxRange(range) {
      set({ boxRange: range });
    },

    async rescanBox() {
      const range = get().boxRange;
      if (range) await get().startScan(range);
    },
  };
};
