/** The host and its domains: what is being inspected, and which domain is on show. */
import type { DomainInfo } from '../../app/api';
import { errorMessage } from './errors';
import type { HostSlice, SliceCreator } from './types';

/** The domain shown first: a guest rather than dom0 (whose pfns rarely map), else the first. */
export function defaultDomain(domains: DomainInfo[]): number | null {
  const guest = domains.find((d) => d.id !== 0 && (d.frames ?? 1) > 0);
  return (guest ?? domains[0])?.id ?? null;
}

export const createHostSlice: SliceCreator<HostSlice> = (set, get, { api, buffers }) => ({
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
    set({
      domainId: id,
      bufferVersion: buffer.version,
      counts: buffer.counts(),
      invalidCodes: buffer.histogram.invalidCodes(),
      rangeFirstText: '',
      rangeLastText: '',
      hover: null,
      selectedGfn: null,
      frameRead: null,
      readMode: null,
      readStatus: 'idle',
      readError: null,
      boxRange: null,
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
  },

  frameBuffer() {
    const id = get().domainId;
    return id === null ? undefined : buffers.get(id);
  },
});
