/** Which panels and dialogs are open, and the messages shown to the user. */
import type { SliceCreator, UiSlice } from './types';

/** Messages kept at once; older ones go. */
const MAX_NOTICES = 4;

export const createUiSlice: SliceCreator<UiSlice> = (set, get) => {
  let nextId = 1;
  return {
    timelineOpen: false,
    searchOpen: false,
    regionsOpen: false,
    dialog: null,
    notices: [],

    setTimelineOpen(open) {
      set({ timelineOpen: open });
    },

    setSearchOpen(open) {
      set({ searchOpen: open });
    },

    setRegionsOpen(open) {
      set({ regionsOpen: open });
    },

    openDialog(dialog) {
      set({ dialog });
    },

    notify(kind, text) {
      const notices = [...get().notices, { id: nextId++, kind, text }];
      set({ notices: notices.slice(-MAX_NOTICES) });
    },

    dismissNotice(id) {
      set({ notices: get().notices.filter((n) => n.id !== id) });
    },
  };
};
