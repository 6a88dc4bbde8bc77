/**
 * Scans: starting and stopping them, and feeding their chunks into the domain's FrameBuffer.
 * The legend's counts come from the buffer's histogram, updated per chunk; at the end the
 * chunks' own tally is checked against the summary the scanner sent.
 */
import type { ScanEvent, ScanRequest, ScanSummary, StatusCounts } from '../../app/api';
import { formatCount, parseRange } from '../format';
import { errorMessage } from './errors';
import { CodeHistogram } from './frame-buffer';
import type { FramescopeState, ScanRun, ScanSlice, SliceCreator } from './types';

const EMPTY_COUNTS = { mapped: 0, paged: 0, invalid: 0, unscanned: 0, total: 0 };

export function isScanActive(run: ScanRun | null): boolean {
  return run !== null && (run.phase === 'starting' || run.phase === 'running' || run.phase === 'stopping');
}

/** 'ok', or which counts of the chunks differ from the summary's. */
export function checkCounts(tally: StatusCounts, summary: ScanSummary): 'ok' | string {
  const keys = ['mapped', 'paged', 'invalid'] as const;
  const wrong = keys.filter((k) => tally[k] !== summary.counts[k]);
  if (wrong.length === 0) return 'ok';
  return wrong.map((k) => `${k}: chunks ${formatCount(tally[k])}, summary ${formatCount(summary.counts[k])}`).join('; ');
}

/** The legend fields of the state for the domain on show. */
function legendOf(state: FramescopeState): Partial<FramescopeState> {
  const buffer = state.frameBuffer();
  if (!buffer) return { bufferVersion: 0, counts: EMPTY_COUNTS, invalidCodes: [] };
  return { bufferVersion: buffer.version, counts: buffer.counts(), invalidCodes: buffer.histogram.invalidCodes() };
}

export const createScanSlice: SliceCreator<ScanSlice> = (set, get, { api, buffers }) => {
  /** Codes the current scan's chunks carried, to check against its summary. */
  const tally = new CodeHistogram();
  /**
   * While startScan has not answered, the new scan's id is unknown: its first events (a
   * transport may deliver them before the answer) wait here, and are replayed or dropped once
   * the id is known.
   */
  let held: ScanEvent[] | null = null;

  const updateRun = (patch: Partial<ScanRun>) => {
    const run = get().scan;
    if (run) set({ scan: { ...run, ...patch } });
  };

  const applyChunk = (run: ScanRun, event: Extract<ScanEvent, { type: 'chunk' }>) => {
    const buffer = buffers.ensure(run.domain, 0);
    buffer.apply(event.first, event.codes);
    tally.add(event.codes);
    const shown = get().domainId === run.domain;
    set({
      scan: { ...run, scanned: event.scanned, elapsedMs: event.elapsedMs },
      ...(shown ? legendOf(get()) : {}),
    });
  };

  const applyEnd = (run: ScanRun, summary: ScanSummary) => {
    set({
      scan: {
        ...run,
        phase: 'done',
        summary,
        scanned: summary.scanned,
        elapsedMs: summary.durationMs,
        error: summary.error,
        countsCheck: checkCounts(tally.counts(), summary),
      },
    });
  };

  return {
    rangeFirstText: '',
    rangeLastText: '',
    scanMode: 'observe',
    scanBatch: null,
    scan: null,
    bufferVersion: 0,
    counts: EMPTY_COUNTS,
    invalidCodes: [],

    setRangeText(field, text) {
      set(field === 'first' ? { rangeFirstText: text } : { rangeLastText: text });
    },

    setScanMode(mode) {
      set({ scanMode: mode });
    },

    setScanBatch(batch) {
      set({ scanBatch: batch });
    },

    async startScan(range) {
      const state = get();
      if (isScanActive(state.scan) || state.domainId === null) return;
      const domain = state.domains.find((d) => d.id === state.domainId);
      if (!domain) return;
      const request: ScanRequest = { domain: domain.id, mode: state.scanMode };
      if (state.scanBatch !== null) request.batch = state.scanBatch;
      let first = 0;
      let last = (domain.frames ?? 0) - 1;
      const typed = state.rangeFirstText.trim() !== '' || state.rangeLastText.trim() !== '';
      if (range) {
        ({ first, last } = range);
        request.first = first;
        request.last = last;
      } else if (typed || domain.frames !== null) {
        const parsed = parseRange(state.rangeFirstText, state.rangeLastText, domain.frames);
        if (!parsed.ok) return; // the inputs show why
        ({ first, last } = parsed);
        if (!parsed.whole) {
          request.first = first;
          request.last = last;
        }
      }
      tally.clear();
      held = [];
      set({
        boxRange: null,
        scan: {
          scanId: null,
          domain: domain.id,
          first,
          last,
          frames: Math.max(0, last - first + 1),
          mode: request.mode ?? 'observe',
          batch: request.batch ?? null,
          phase: 'starting',
          scanned: 0,
          elapsedMs: 0,
          summary: null,
          error: null,
          countsCheck: null,
        },
      });
      let started;
      try {
        started = await api.startScan(request);
      } catch (e) {
        held = null;
        updateRun({ phase: 'failed', error: `the scan did not start: ${errorMessage(e)}` });
        return;
      }
      const waiting = held;
      held = null;
      // A domain of unknown size learns it here.
      buffers.ensure(started.domain, started.last + 1);
      const stopAsked = get().scan?.phase === 'stopping';
      updateRun({
        scanId: started.scanId,
        first: started.first,
        last: started.last,
        frames: started.frames,
        mode: started.mode,
        batch: started.batch,
        phase: stopAsked ? 'stopping' : 'running',
      });
      if (get().domainId === started.domain) set(legendOf(get()));
      for (const event of waiting) get().handleScanEvent(event);
      if (stopAsked && isScanActive(get().scan)) {
        try {
          await api.stopScan(started.scanId);
        } catch (e) {
          updateRun({ phase: 'failed', error: `could not stop the scan: ${errorMessage(e)}` });
        }
      }
    },

    async stopScan() {
      const run = get().scan;
      if (!run || (run.phase !== 'starting' && run.phase !== 'running')) return;
      updateRun({ phase: 'stopping' });
      if (run.scanId === null) return; // startScan stops it once it has the id
      try {
        await api.stopScan(run.scanId);
      } catch (e) {
        if (isScanActive(get().scan)) updateRun({ phase: 'failed', error: `could not stop the scan: ${errorMessage(e)}` });
      }
    },

    clearResults() {
      const state = get();
      const buffer = state.frameBuffer();
      if (!buffer || (isScanActive(state.scan) && state.scan?.domain === state.domainId)) return;
      buffer.clear();
      set(legendOf(get()));
    },

    handleScanEvent(event) {
      if (held) {
        held.push(event);
        return;
      }
      const run = get().scan;
      if (!run || run.scanId !== event.scanId || !isScanActive(run)) return;
      if (event.type === 'chunk') applyChunk(run, event);
      else applyEnd(run, event.summary);
    },
  };
};
