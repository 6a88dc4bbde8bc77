/** The store's React binding: a context holding the store, and selector hooks on it. */
import { createContext, useContext } from 'react';
import { useStore } from 'zustand';

import type { FramescopeState, FramescopeStore } from './types';

export const StoreContext = createContext<FramescopeStore | null>(null);

export function useFramescopeStore(): FramescopeStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useFramescopeStore outside <StoreContext.Provider>');
  return store;
}

/** One field (or one derived value) of the state; wrap object-building selectors in useShallow. */
export function useFs<T>(selector: (state: FramescopeState) => T): T {
  return useStore(useFramescopeStore(), selector);
}
