/** The host and its domains: what is being inspected, and which domain is on show. */
import type { DomainInfo } from '../../app/api';
import { NO_CHANGES } from './change-marks';
import { errorMessage } from './errors';
import { timelinePointOf } from './timeline';
import { isPhaseActive } from './scan-slice';
import { NO_SELECTION } from './selection-slice';
import type { HostSlice, SliceCreator } from './types';

/** The domain shown first: a guest rather than dom0 (whose pfns rarely map), else the first. */
export function defaultDomain(domains: DomainInfo[]): number | null {
  const guest = domains.find((d) => d.id !== 0 && (d.frames ?? 1) > 0);
  return (guest ?? domains[0])?.id ?? null;
}

export const createHostSlice: SliceCreator<HostSlice> = (set, get, { api, buffers, past, history, timeline, hits }) => ({
  hostStatus: 'loading',
  hostError: null,
  host: null,
  domains: [],
  domainId: null,
  connection: 'local',

  async init() {
    set({ hostStatus: 'loading', hostError: null });
    try {
      const [host, domains] = await Promise.all([api.hostInfo(), api.listDomains()]);
      set({ host, domains, hostStatus: 'ready' });
      // The session's earlier scans (another tab's, or before a reload) start the timeline.
      const earlier = await api.listScans().catch(() => []);
      for (const r of earlier) {
        const point = r.kind === 'snapshot' ? null : timelinePointOf(r.scanId, r.kind, r.summary, Date.parse(r.takenAt));
        if (point && !timeline.points.some((p) => p.scanId === point.scanId)) timeline.add(point);
      }
      if (earlier.length) set({ timelineVersion: get().timelineVersion + 1 });
      const current = get().domainId;
      const keep = current !== null && domains.some((d) => d.id === current);
      const id = keep ? current : defaultDomain(domains);
      if (id !== null) get().selectDomain(id);
    } catch (e) {
      set({ hostStatus: 'error', hostError: `could not reach the inspector: ${errorMessage(e)}` });
    }
  },

  async refreshDomains() {
    try {
      const domains = await api.listDomains();
      const scanning = get().scan;
      // Keep the buffer of a domain being scanned even if it vanished: its end event is due.
      buffers.retain([...domains.map((d) => d.id), ...(scanning ? [scanning.domain] : [])]);
      set({ domains, hostError: null });
      const current = get().domainId;
      if (current === null || !domains.some((d) => d.id === current)) {
        const id = defaultDomain(domains);
        if (id !== null) get().selectDomain(id);
      }
    } catch (e) {
      set({ hostError: `could not list domains: ${errorMessage(e)}` });
    }
  },

  selectDomain(id) {
    const domain = get().domains.find((d) => d.id === id);
    if (!domain) return;
    const buffer = buffers.ensure(id, domain.frames ?? 0);
    past.buffer = null;
    set({
      domainId: id,
      pastView: null,
      hexHighlight: null,
      bufferVersion: buffer.version,
      counts: buffer.counts(),
      invalidCodes: buffer.histogram.invalidCodes(),
      changes: buffer.marks.count === 0 ? NO_CHANGES : buffer.marks.counts(),
      rangeFirstText: '',
      rangeLastText: '',
      hover: null,
      ...NO_SELECTION,
      fitPending: true,
    });
    get().resetView();
  },

  setConnection(state) {
    set({ connection: state });
    const run = get().scan;
    if (state === 'closed' && run && run.phase !== 'done' && run.phase !== 'failed') {
      set({ scan: { ...run, phase: 'failed', error: 'the connection to the inspector was lost' } });
    }
    const search = get().search;
    if (state === 'closed' && search && isPhaseActive(search.phase)) {
      set({ search: { ...search, phase: 'failed', error: 'the connection to the inspector was lost' } });
    }
    if (state === 'closed') get().setAutoRescan(false);
  },

  async handleSourceChanged(host) {
    // Nothing known so far describes the new source: its domains, codes and history start over.
    get().setAutoRescan(false);
    buffers.reset();
    history.clear();
    timeline.clear();
    hits.reset(0);
    past.buffer = null;
    set({
      host,
      hostStatus: 'ready',
      hostError: null,
      domains: [],
      domainId: null,
      scan: null,
      search: null,
      pastView: null,
      lastScanIds: {},
      lastRuns: {},
      boxRange: null,
      selectedGfn: null,
      frameRead: null,
      readMode: null,
      readStatus: 'idle',
      readError: null,
      hexHighlight: null,
      rangeFirstText: '',
      rangeLastText: '',
      searchFirstText: '',
      searchLastText: '',
      historyVersion: get().historyVersion + 1,
      timelineVersion: get().timelineVersion + 1,
      hitsVersion: get().hitsVersion + 1,
      bufferVersion: 0,
      counts: { mapped: 0, paged: 0, invalid: 0, unscanned: 0, total: 0 },
      invalidCodes: [],
      changes: NO_CHANGES,
    });
    await get().refreshDomains();
  },

  frameBuffer() {
    const s = get();
    if (s.pastView) return past.buffer ?? undefined;
    return s.domainId === null ? undefined : buffers.get(s.domainId);
  },

  liveBuffer() {
    const id = get().domainId;
    return id === null ? undefined : buffers.get(id);
  },
});
