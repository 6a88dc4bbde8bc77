/**
 * Past scans, snapshots and diffs on show, and the files made from scans. The codes of what
 * is on show instead of the live grid live in their own FrameBuffer (deps.past), so the live
 * buffers keep following the scans meanwhile; a diff's changed frames become that buffer's
 * change marks, drawn like live changes.
 */
import type { ExportFormat, ScanRecord } from '../../app/api';
import { forEachChanged } from './change-marks';
import { errorMessage } from './errors';
import { FrameBuffer } from './frame-buffer';
import { legendOf } from './scan-slice';
import type { FilesSlice, FramescopeState, PastView, SliceCreator } from './types';

const MIME: Record<ExportFormat, string> = {
  snapshot: 'application/octet-stream',
  csv: 'text/csv',
  json: 'application/json',
};

const WHAT: Record<ExportFormat, string> = { snapshot: 'snapshot', csv: 'CSV', json: 'JSON' };

/**
 * Frames the past buffer spans: from gfn 0 (so that gfns keep their place in the grid) to the
 * end of the record, or of the live domain when it is the same domain (the same layout).
 */
function framesFor(state: FramescopeState, record: ScanRecord): number {
  const end = record.summary.first + record.codes.length;
  const live = state.domains.find((d) => d.id === record.domain && d.name === record.domainName);
  return Math.max(end, live?.frames ?? 0);
}

export const createFilesSlice: SliceCreator<FilesSlice> = (set, get, { api, past, files }) => {
  /** Loads that finish after a newer one started are dropped. */
  let showSeq = 0;

  /** Puts a record's codes on show. */
  const show = (record: ScanRecord, view: PastView): FrameBuffer => {
    const before = get().frameBuffer()?.frames;
    const buffer = new FrameBuffer(record.domain, framesFor(get(), record));
    buffer.apply(record.summary.first, record.codes);
    past.buffer = buffer;
    set({ pastView: view, boxRange: null, hover: null });
    set(legendOf(get()));
    if (before !== buffer.frames) get().resetView();
    // The selected frame now reads as the record says (or not at all: another host's domain).
    if (get().selectedGfn !== null) void get().readSelected('observe');
    return buffer;
  };

  const busy = async <T>(what: string, job: () => Promise<T>): Promise<T> => {
    set({ busy: what });
    try {
      return await job();
    } finally {
      if (get().busy === what) set({ busy: null });
    }
  };

  return {
    pastView: null,
    records: [],
    busy: null,

    async loadRecords() {
      try {
        set({ records: await api.listScans() });
      } catch (e) {
        get().notify('error', `Could not list the session's scans: ${errorMessage(e)}`);
      }
    },

    async showRecord(scanId) {
      const seq = ++showSeq;
      try {
        const record = await busy('Loading the scan…', () => api.scanRecord(scanId));
        if (seq !== showSeq) return false;
        const { codes: _codes, ...info } = record;
        show(record, { kind: record.kind, record: info, diff: null });
        return true;
      } catch (e) {
        if (seq === showSeq) get().notify('error', `Could not show the scan: ${errorMessage(e)}`);
        return false;
      }
    },

    backToLive() {
      if (!get().pastView) return;
      showSeq++;
      const before = get().frameBuffer()?.frames;
      past.buffer = null;
      set({ pastView: null, boxRange: null, hover: null });
      set(legendOf(get()));
      if (before !== get().frameBuffer()?.frames) get().resetView();
      if (get().selectedGfn !== null) void get().readSelected('observe');
    },

    async importSnapshot(fileName, bytes) {
      try {
        const info = await busy('Opening the snapshot…', () => api.importSnapshot({ fileName, bytes }));
        const shown = await get().showRecord(info.scanId);
        if (shown) get().notify('info', `Opened snapshot ${info.fileName ?? fileName}: ${info.domainName}, taken ${info.takenAt.replace('T', ' ').slice(0, 19)} UTC`);
        return shown;
      } catch (e) {
        // The API says what is wrong with the file in one line; nothing else changes.
        const message = errorMessage(e).split('\n')[0];
        get().notify('error', message.includes(fileName) ? message : `${fileName}: ${message}`);
        return false;
      }
    },

    async diff(a, b) {
      const seq = ++showSeq;
      try {
        const [result, recordB, recordA] = await busy('Comparing…', () =>
          Promise.all([api.diffScans({ a, b }), api.scanRecord(b), api.scanRecord(a)]));
        if (seq !== showSeq) return false;
        const { codes: _codes, ...info } = recordB;
        const { changedMask, ...diff } = result;
        const buffer = show(recordB, { kind: 'diff', record: info, diff });
        if (result.first !== null && result.last !== null) {
          const first = result.first;
          const aFirst = recordA.summary.first;
          forEachChanged(changedMask, result.compared, (i) => {
            const gfn = first + i;
            buffer.markChanged(gfn, recordA.codes[gfn - aFirst]);
          });
          buffer.notifyChanged(first, result.last);
          set(legendOf(get()));
        }
        return true;
      } catch (e) {
        if (seq === showSeq) get().notify('error', `Could not compare: ${errorMessage(e)}`);
        return false;
      }
    },

    scanOnShow() {
      const s = get();
      if (s.pastView) return s.pastView.record.scanId;
      return s.domainId === null ? null : s.lastScanIds[s.domainId] ?? null;
    },

    async exportScan(format) {
      const scanId = get().scanOnShow();
      if (!scanId) {
        get().notify('error', `Nothing to ${format === 'snapshot' ? 'save' : 'export'} yet: scan the domain first`);
        return false;
      }
      try {
        const file = await busy(`Exporting ${WHAT[format]}…`, () => api.exportScan({ scanId, format }));
        return await get().saveBytes(file.fileName, file.bytes, MIME[format], WHAT[format]);
      } catch (e) {
        get().notify('error', `Could not export the ${WHAT[format]}: ${errorMessage(e)}`);
        return false;
      }
    },

    async saveBytes(fileName, bytes, mime, what) {
      try {
        const where = await files.save({ fileName, bytes, mime });
        if (where === null) return false;
        get().notify('info', `Saved the ${what} as ${where}`);
        return true;
      } catch (e) {
        get().notify('error', `Could not save ${fileName}: ${errorMessage(e)}`);
        return false;
      }
    },
  };
};
