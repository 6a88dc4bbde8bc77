/**
 * The renderer's store: one zustand store made of slices (host, scan, live, view, selection,
 * search, files, ui). Pure TypeScript with no DOM access, so node tests drive it with a fake
 * FramescopeApi; the React binding is in ./react.ts.
 */
import { createStore } from 'zustand/vanilla';

import type { FramescopeApi } from '../../app/api';
import { createFilesSlice } from './files-slice';
import { FrameBuffers } from './frame-buffer';
import { FrameHistory } from './frame-history';
import { createHostSlice } from './host-slice';
import { createLiveSlice } from './live-slice';
import { createScanSlice } from './scan-slice';
import { SearchHits } from './search-hits';
import { createSearchSlice } from './search-slice';
import { createSelectionSlice } from './selection-slice';
import { Timeline } from './timeline';
import type { Clock, ConnectionState, FileSink, FramescopeState, FramescopeStore, StoreDeps } from './types';
import { createUiSlice } from './ui-slice';
import { createViewSlice } from './view-slice';

export type * from './types';
export { FrameBuffer, FrameBuffers, CodeHistogram } from './frame-buffer';
export { isScanActive, isPhaseActive, checkCounts, runOnShow, typedRange } from './scan-slice';
export { layoutOf, defaultView } from './view-slice';

export interface FramescopeStoreHandle {
  store: FramescopeStore;
  /** Stops listening to the API's events. */
  dispose(): void;
}

export interface StoreOptions {
  /** Where exports go; without one, saving says it is not possible here. */
  files?: FileSink;
  clock?: Clock;
}

const noFiles: FileSink = {
  save: () => Promise.reject(new Error('saving files is not possible here')),
};

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export function createFramescopeStore(api: FramescopeApi, connection: ConnectionState = 'local', options: StoreOptions = {}): FramescopeStoreHandle {
  const deps: StoreDeps = {
    api,
    buffers: new FrameBuffers(),
    past: { buffer: null },
    history: new FrameHistory(),
    timeline: new Timeline(),
    hits: new SearchHits(),
    files: options.files ?? noFiles,
    clock: options.clock ?? realClock,
  };
  const store = createStore<FramescopeState>()((set, get) => ({
    ...createHostSlice(set, get, deps),
    ...createScanSlice(set, get, deps),
    ...createLiveSlice(set, get, deps),
    ...createViewSlice(set, get, deps),
    ...createSelectionSlice(set, get, deps),
    ...createSearchSlice(set, get, deps),
    ...createFilesSlice(set, get, deps),
    ...createUiSlice(set, get, deps),
    connection,
  }));
  const unsubscribe = api.onEvent((event) => {
    const s = store.getState();
    switch (event.type) {
      case 'chunk':
      case 'end':
        s.handleScanEvent(event);
        break;
      case 'search-hits':
      case 'search-end':
        s.handleSearchEvent(event);
        break;
      case 'source-changed':
        void s.handleSourceChanged(event.host);
        break;
    }
  });
  return {
    store,
    dispose: () => {
      unsubscribe();
      store.getState().setAutoRescan(false);
    },
  };
}
