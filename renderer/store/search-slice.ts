/**
 * Searching guest memory for a string (ASCII or UTF-16LE) or bytes: the query, the run (its
 * progress from search-hits events, its end), and the hits, kept in a SearchHits object
 * outside the store (the store carries hitsVersion). A hit shown opens the hex view on it.
 */
import { parseRange } from '../format';
import { errorMessage } from './errors';
import { abiOf, isPhaseActive } from './scan-slice';
import type { SearchRun, SearchSlice, SliceCreator } from './types';

/** Hits asked for: the service's default, said here so that the UI can say when it is reached. */
export const SEARCH_MAX_HITS = 1000;

const HEX_TEXT = /^(?:[0-9a-fA-F]{2}\s*)+$/;

/** "de ad be ef", "deadbeef", "0xde 0xad": the bytes, as the API's hex (no prefix, no blanks). */
export function normaliseHex(text: string): { ok: true; hex: string } | { ok: false; error: string } {
  const t = text.trim().replace(/0x/gi, '').replace(/[\s,]+/g, ' ');
  if (t === '') return { ok: false, error: 'type the bytes to look for' };
  const compact = t.replace(/ /g, '');
  if (!HEX_TEXT.test(t.replace(/ /g, '')) || compact.length % 2 !== 0) {
    return { ok: false, error: 'hex bytes: pairs of hex digits, e.g. "de ad be ef"' };
  }
  return { ok: true, hex: compact.toLowerCase() };
}

/** Bytes a query matches: what a hit marks past its offset. */
export function patternByteLength(pattern: string): number {
  return pattern.length >> 1;
}

export const createSearchSlice: SliceCreator<SearchSlice> = (set, get, { api, hits }) => {
  type SearchEvent = Parameters<SearchSlice['handleSearchEvent']>[0];
  /** Events that arrive before startSearch answers (see the scan slice's `held`). */
  let held: SearchEvent[] | null = null;

  const update = (patch: Partial<SearchRun>) => {
    const run = get().search;
    if (run) set({ search: { ...run, ...patch } });
  };

  return {
    searchText: '',
    searchKind: 'ascii',
    searchFirstText: '',
    searchLastText: '',
    search: null,
    hitsVersion: 0,
    hexHighlight: null,

    setSearchText(text) {
      set({ searchText: text });
    },

    setSearchKind(kind) {
      set({ searchKind: kind });
    },

    setSearchRange(field, text) {
      set(field === 'first' ? { searchFirstText: text } : { searchLastText: text });
    },

    searchQuery() {
      const s = get();
      const domain = s.domains.find((d) => d.id === s.domainId);
      if (!domain) return { ok: false, error: 'no domain to search' };
      const own = s.searchFirstText.trim() !== '' || s.searchLastText.trim() !== '';
      // Default: the range of the scan controls.
      const range = own
        ? parseRange(s.searchFirstText, s.searchLastText, domain.frames)
        : parseRange(s.rangeFirstText, s.rangeLastText, domain.frames);
      if (!range.ok) return { ok: false, error: `range: ${range.error}` };
      const bounds = range.whole ? {} : { first: range.first, last: range.last };
      if (s.searchKind === 'hex') {
        const hex = normaliseHex(s.searchText);
        return hex.ok ? { ok: true, hex: hex.hex, ...bounds } : hex;
      }
      if (s.searchText === '') return { ok: false, error: 'type the text to look for' };
      return { ok: true, text: s.searchText, encoding: s.searchKind, ...bounds };
    },

    async startSearch() {
      const s = get();
      if ((s.search && isPhaseActive(s.search.phase)) || s.domainId === null) return false;
      const query = s.searchQuery();
      if (!query.ok) {
        set({ search: null });
        return false;
      }
      const { ok: _ok, ...request } = query;
      const domain = s.domainId;
      hits.reset(0);
      held = [];
      set({
        hitsVersion: s.hitsVersion + 1,
        hexHighlight: null,
        search: {
          searchId: null, domain, first: request.first ?? 0, last: request.last ?? 0, pattern: '', phase: 'starting',
          scanned: 0, frames: 0, hits: 0, summary: null, error: null,
        },
      });
      try {
        const started = await api.startSearch({ domain, ...request, maxHits: SEARCH_MAX_HITS, ...abiOf(get()) });
        const waiting = held;
        held = null;
        hits.reset(patternByteLength(started.pattern));
        const stopAsked = get().search?.phase === 'stopping';
        update({
          searchId: started.searchId, first: started.first, last: started.last, pattern: started.pattern,
          frames: started.last - started.first + 1, phase: stopAsked ? 'stopping' : 'running',
        });
        for (const event of waiting) get().handleSearchEvent(event);
        if (stopAsked) await api.stopSearch(started.searchId);
        return true;
      } catch (e) {
        held = null;
        update({ phase: 'failed', error: `the search did not start: ${errorMessage(e)}` });
        return false;
      }
    },

    async stopSearch() {
      const run = get().search;
      if (!run || (run.phase !== 'starting' && run.phase !== 'running')) return;
      update({ phase: 'stopping' });
      if (run.searchId === null) return;
      try {
        await api.stopSearch(run.searchId);
      } catch (e) {
        update({ phase: 'failed', error: `could not stop the search: ${errorMessage(e)}` });
      }
    },

    handleSearchEvent(event) {
      if (held) {
        held.push(event);
        return;
      }
      const run = get().search;
      if (!run || run.searchId !== event.searchId || !isPhaseActive(run.phase)) return;
      if (event.type === 'search-hits') {
        if (event.hits.length > 0) hits.add(event.hits);
        set({
          hitsVersion: get().hitsVersion + (event.hits.length > 0 ? 1 : 0),
          // Hits events carry scanned 0 when they report hits alone: progress only moves on.
          search: { ...run, scanned: Math.max(run.scanned, event.scanned), frames: event.frames || run.frames, hits: hits.count },
        });
      } else {
        const summary = event.summary;
        set({ search: { ...run, phase: 'done', summary, scanned: summary.scanned, hits: hits.count, error: summary.error } });
      }
    },

    searchHits() {
      return hits;
    },

    showHit(index) {
      const s = get();
      const hit = hits.hits[index];
      const run = s.search;
      if (!hit || !run) return;
      if (s.domainId !== run.domain) s.selectDomain(run.domain);
      if (get().pastView) get().backToLive();
      set({ hexHighlight: { gfn: hit.gfn, offset: hit.offset, length: Math.max(1, hits.patternLength) } });
      get().revealGfn(hit.gfn, 12);
      get().selectFrame(hit.gfn);
    },

    clearSearch() {
      const run = get().search;
      if (run && isPhaseActive(run.phase)) return;
      hits.reset(0);
      set({ search: null, hitsVersion: get().hitsVersion + 1, hexHighlight: null });
    },
  };
};
