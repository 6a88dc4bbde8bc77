/**
 * The renderer's store: one zustand store made of four slices (host, scan, view, selection).
 * Pure TypeScript with no DOM access, so node tests drive it with a fake FramescopeApi; the
 * React binding is in ./react.ts.
 */
import { createStore } from 'zustand/vanilla';

import type { FramescopeApi } from '../../app/api';
import { FrameBuffers } from './frame-buffer';
import { createHostSlice } from './host-slice';
import { createScanSlice } from './scan-slice';
import { createSelectionSlice } from './selection-slice';
import type { ConnectionState, FramescopeState, FramescopeStore } from './types';
import { createViewSlice } from './view-slice';

export type * from './types';
export { FrameBuffer, FrameBuffers, CodeHistogram } from './frame-buffer';
export { isScanActive, checkCounts } from './scan-slice';
export { geometryOf, defaultView } from './view-slice';

export interface FramescopeStoreHandle {
  store: FramescopeStore;
  /** Stops listening to the API's scan events. */
  dispose(): void;
}

export function createFramescopeStore(api: FramescopeApi, connection: ConnectionState = 'local'): FramescopeStoreHandle {
  const buffers = new FrameBuffers();
  const store = createStore<FramescopeState>()((set, get) => ({
    ...createHostSlice(set, get, { api, buffers }),
    ...createScanSlice(set, get, { api, buffers }),
    ...createViewSlice(set, get, { api, buffers }),
    ...createSelectionSlice(set, get, { api, buffers }),
    connection,
  }));
  const unsubscribe = api.onEvent((event) => {
    if (event.type === 'chunk' || event.type === 'end') store.getState().handleScanEvent(event);
  });
  return { store, dispose: unsubscribe };
}
