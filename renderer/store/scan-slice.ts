/**
 * Scans and page-ins: starting and stopping them, and feeding their chunks into the domain's
 * FrameBuffer. The legend's counts come from the buffer's histogram, updated per chunk; at the
 * end the chunks' own tally is checked against the summary the scanner sent.
 *
 * Each run compares what it finds with the codes the frames had when it began: frames whose
 * status changed are marked (the buffer's ChangeMarks, replaced frame by frame as the run
 * reaches them, so a rescan of part of the domain touches only its range), every change goes
 * into the frame's history, and the end adds a point to the timeline.
 */
import type { PrivcmdAbiName, ScanEvent, ScanRequest, ScanStarted, ScanSummary, StatusCounts } from '../../app/api';
import { formatCount, parseRange } from '../format';
import type { GfnRange } from '../grid/view-math';
import { NO_CHANGES } from './change-marks';
import { chunkCodes } from './chunk-codec';
import { errorMessage } from './errors';
import { CodeHistogram } from './frame-buffer';
import { timelinePointOf } from './timeline';
import type { FramescopeState, RunKind, ScanRun, ScanSlice, SliceCreator } from './types';

const EMPTY_COUNTS = { mapped: 0, paged: 0, invalid: 0, unscanned: 0, total: 0 };

/** The ioctl choice as a request field: absent for auto, so requests stay as they were. */
export function abiOf(state: Pick<FramescopeState, 'scanAbi'>): { abi?: PrivcmdAbiName } {
  return state.scanAbi === null ? {} : { abi: state.scanAbi };
}

export function isPhaseActive(phase: ScanRun['phase']): boolean {
  return phase === 'starting' || phase === 'running' || phase === 'stopping';
}

export function isScanActive(run: ScanRun | null): boolean {
  return run !== null && isPhaseActive(run.phase);
}

/**
 * The run the progress line speaks of: the current one while it runs or when it is of the
 * domain on show; else the last finished run of the domain on show, or none. A domain just
 * switched to never shows another domain's "Scanned N frames".
 */
export function runOnShow(state: FramescopeState): ScanRun | null {
  const run = state.scan;
  if (run && (isScanActive(run) || run.domain === state.domainId)) return run;
  return state.domainId === null ? null : (state.lastRuns[state.domainId] ?? null);
}

/** 'ok', or which counts of the chunks differ from the summary's. */
export function checkCounts(tally: StatusCounts, summary: ScanSummary): 'ok' | string {
  const keys = ['mapped', 'paged', 'invalid'] as const;
  const wrong = keys.filter((k) => tally[k] !== summary.counts[k]);
  if (wrong.length === 0) return 'ok';
  return wrong.map((k) => `${k}: chunks ${formatCount(tally[k])}, summary ${formatCount(summary.counts[k])}`).join('; ');
}

/** The legend fields of the state for the codes on show. */
export function legendOf(state: FramescopeState): Partial<FramescopeState> {
  const buffer = state.frameBuffer();
  if (!buffer) return { bufferVersion: 0, counts: EMPTY_COUNTS, invalidCodes: [], changes: NO_CHANGES };
  return {
    bufferVersion: buffer.version,
    counts: buffer.counts(),
    invalidCodes: buffer.histogram.invalidCodes(),
    changes: buffer.marks.count === 0 ? NO_CHANGES : buffer.marks.counts(),
  };
}

/** The range typed in for the domain on show, or why there is none. */
export function typedRange(state: FramescopeState): { ok: true; first: number; last: number; whole: boolean } | { ok: false; error: string } {
  const domain = state.domains.find((d) => d.id === state.domainId);
  if (!domain) return { ok: false, error: 'no domain' };
  const parsed = parseRange(state.rangeFirstText, state.rangeLastText, domain.frames);
  return parsed.ok ? parsed : { ok: false, error: parsed.error };
}

interface RunRequest {
  kind: RunKind;
  domain: number;
  first: number;
  last: number;
  mode: ScanRun['mode'];
  batch: number | null;
  start(): Promise<ScanStarted>;
}

export const createScanSlice: SliceCreator<ScanSlice> = (set, get, { api, buffers, history, timeline, clock }) => {
  /** Codes the current run's chunks carried, to check against its summary. */
  const tally = new CodeHistogram();
  /** Page-ins: the codes of the run's range when it began, what its results are compared with. */
  let baseline: { first: number; codes: Uint8Array } | null = null;
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
    const at = clock.now();
    let transitions = 0;
    const codes = chunkCodes(event);
    buffer.apply(event.first, codes, {
      baseline: baseline?.codes,
      baseFirst: baseline?.first ?? 0,
      onTransition: (gfn, from, to) => {
        history.record(run.domain, gfn, { at, from, to, source: run.kind });
        transitions++;
      },
    });
    tally.add(codes);
    const s = get();
    const shown = s.domainId === run.domain && s.pastView === null;
    set({
      scan: { ...run, scanned: event.scanned, elapsedMs: event.elapsedMs },
      ...(shown ? legendOf(s) : {}),
      ...(transitions > 0 ? { historyVersion: s.historyVersion + 1 } : {}),
    });
  };

  /** The counts a run's own results add up to, to check its summary against. */
  const resultCounts = (run: ScanRun): StatusCounts => {
    if (run.kind === 'scan') return tally.counts();
    // A page-in sends some frames several times: count its range as it now stands.
    const range = new CodeHistogram();
    const buffer = buffers.get(run.domain);
    if (buffer) range.add(buffer.codes.subarray(run.first, run.last + 1));
    return range.counts();
  };

  const applyEnd = (run: ScanRun, summary: ScanSummary) => {
    const s = get();
    const point = run.scanId ? timelinePointOf(run.scanId, run.kind, summary, clock.now()) : null;
    if (point) timeline.add(point);
    set({
      scan: {
        ...run,
        phase: 'done',
        summary,
        scanned: summary.scanned,
        elapsedMs: summary.durationMs,
        error: summary.error,
        countsCheck: checkCounts(resultCounts(run), summary),
      },
      ...(point ? { timelineVersion: s.timelineVersion + 1 } : {}),
      ...(run.scanId && summary.scanned > 0 ? { lastScanIds: { ...s.lastScanIds, [run.domain]: run.scanId } } : {}),
    });
    set({ lastRuns: { ...get().lastRuns, [run.domain]: get().scan! } });
    baseline = null;
    get().scheduleAutoRescan();
  };

  /** Starts a scan-like run: the shared path of scans and page-ins. */
  const begin = async (req: RunRequest): Promise<boolean> => {
    tally.clear();
    baseline = null;
    held = [];
    set({
      boxRange: null,
      scan: {
        kind: req.kind,
        scanId: null,
        domain: req.domain,
        first: req.first,
        last: req.last,
        frames: Math.max(0, req.last - req.first + 1),
        mode: req.mode,
        batch: req.batch,
        phase: 'starting',
        scanned: 0,
        elapsedMs: 0,
        summary: null,
        error: null,
        countsCheck: null,
      },
    });
    let started: ScanStarted;
    try {
      started = await req.start();
    } catch (e) {
      held = null;
      updateRun({ phase: 'failed', error: `the ${req.kind === 'scan' ? 'scan' : 'page-in'} did not start: ${errorMessage(e)}` });
      get().scheduleAutoRescan();
      return false;
    }
    const waiting = held;
    held = null;
    // A domain of unknown size learns it here.
    const buffer = buffers.ensure(started.domain, started.last + 1);
    // A scan writes each frame once, so the code a write replaces is the one to compare with;
    // a page-in writes frames again and again: it compares with a copy of the range as it began.
    baseline = req.kind === 'page-in' ? { first: started.first, codes: buffer.codes.slice(started.first, started.last + 1) } : null;
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
    if (get().domainId === started.domain && get().pastView === null) set(legendOf(get()));
    for (const event of waiting) get().handleScanEvent(event);
    if (stopAsked && isScanActive(get().scan)) {
      try {
        await api.stopScan(started.scanId);
      } catch (e) {
        updateRun({ phase: 'failed', error: `could not stop the scan: ${errorMessage(e)}` });
      }
    }
    return true;
  };

  return {
    rangeFirstText: '',
    rangeLastText: '',
    scanMode: 'observe',
    scanBatch: null,
    scanAbi: null,
    scan: null,
    bufferVersion: 0,
    counts: EMPTY_COUNTS,
    invalidCodes: [],
    changes: NO_CHANGES,
    lastScanIds: {},
    lastRuns: {},

    setRangeText(field, text) {
      set(field === 'first' ? { rangeFirstText: text } : { rangeLastText: text });
    },

    setScanMode(mode) {
      set({ scanMode: mode });
    },

    setScanBatch(batch) {
      set({ scanBatch: batch });
    },

    setScanAbi(abi) {
      set({ scanAbi: abi });
    },

    async startScan(range) {
      const state = get();
      if (isScanActive(state.scan) || state.domainId === null) return false;
      const domain = state.domains.find((d) => d.id === state.domainId);
      if (!domain) return false;
      const request: ScanRequest = { domain: domain.id, mode: state.scanMode };
      if (state.scanBatch !== null) request.batch = state.scanBatch;
      Object.assign(request, abiOf(state));
      let first = 0;
      let last = (domain.frames ?? 0) - 1;
      const typed = state.rangeFirstText.trim() !== '' || state.rangeLastText.trim() !== '';
      if (range) {
        ({ first, last } = range);
        request.first = first;
        request.last = last;
      } else if (typed || domain.frames !== null) {
        const parsed = parseRange(state.rangeFirstText, state.rangeLastText, domain.frames);
        if (!parsed.ok) return false; // the inputs show why
        ({ first, last } = parsed);
        if (!parsed.whole) {
          request.first = first;
          request.last = last;
        }
      }
      return begin({
        kind: 'scan', domain: domain.id, first, last, mode: request.mode ?? 'observe', batch: request.batch ?? null,
        start: () => api.startScan(request),
      });
    },

    async startPageIn(range) {
      const state = get();
      if (isScanActive(state.scan) || state.domainId === null) return false;
      let target: GfnRange | null = range ?? state.boxRange;
      if (!target) {
        const typed = typedRange(state);
        if (!typed.ok) {
          get().notify('error', `Page-in: ${typed.error}`);
          return false;
        }
        target = typed;
      }
      const { first, last } = target;
      const domain = state.domainId;
      return begin({
        kind: 'page-in', domain, first, last, mode: 'retry', batch: null,
        start: () => api.pageIn({ domain, first, last, ...abiOf(state) }),
      });
    },

    async rescan() {
      const box = get().boxRange;
      return box ? get().startScan(box) : get().startScan();
    },

    async stopScan() {
      const run = get().scan;
      if (!run || (run.phase !== 'starting' && run.phase !== 'running')) return;
      updateRun({ phase: 'stopping' });
      if (run.scanId === null) return; // begin() stops it once it has the id
      try {
        await api.stopScan(run.scanId);
      } catch (e) {
        if (isScanActive(get().scan)) updateRun({ phase: 'failed', error: `could not stop the scan: ${errorMessage(e)}` });
      }
    },

    clearResults() {
      const state = get();
      const buffer = state.liveBuffer();
      if (!buffer || state.pastView || (isScanActive(state.scan) && state.scan?.domain === state.domainId)) return;
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

