/** The selected frame and its contents (the hex view), and a box selection waiting for a rescan. */
import { errorMessage } from './errors';
import type { SelectionSlice, SliceCreator } from './types';

export const createSelectionSlice: SliceCreator<SelectionSlice> = (set, get, { api }) => {
  /** Answers to reads older than the latest are dropped: the user has moved on. */
  let readSeq = 0;

  return {
    selectedGfn: null,
    frameRead: null,
    readMode: null,
    readStatus: 'idle',
    readError: null,
    boxRange: null,

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
      const { domainId: domain, selectedGfn: gfn } = get();
      if (domain === null || gfn === null) return;
      const seq = ++readSeq;
      set({ readStatus: 'loading', readMode: mode, readError: null });
      try {
        const read = await api.readFrame({ domain, gfn, mode });
        if (seq !== readSeq) return;
        set({ frameRead: read, readStatus: 'ready' });
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
