/**
 * Watching paging over time: the auto-rescan loop (the next rescan of the range typed in
 * starts when the previous run has ended and the interval has passed, so rescans never pile
 * up however slow a scan is), and the frames' history and the timeline it feeds.
 */
import { NO_TRANSITIONS } from './frame-history';
import { isScanActive, typedRange } from './scan-slice';
import type { LiveSlice, SliceCreator } from './types';

export const AUTO_RESCAN_CHOICES_MS = [1000, 2000, 5000, 10_000, 30_000] as const;
export const DEFAULT_AUTO_RESCAN_MS = 2000;

export const createLiveSlice: SliceCreator<LiveSlice> = (set, get, { history, timeline, clock }) => {
  let timer: unknown = null;
  /** When the last run ended (or auto-rescan was asked for), what the interval counts from. */
  let lastEndAt = 0;

  const cancelTimer = () => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
  };

  const fire = async () => {
    timer = null;
    set({ nextRescanAt: null });
    const s = get();
    if (!s.autoRescan || isScanActive(s.scan)) return; // the run's end plans the next one
    if (s.connection === 'closed') {
      set({ autoRescan: false });
      return;
    }
    const started = await s.startScan();
    if (!started && get().autoRescan && !isScanActive(get().scan)) {
      const range = typedRange(get());
      set({ autoRescan: false });
      get().notify('error', `Auto-rescan stopped: ${range.ok ? 'the scan did not start' : range.error}`);
    }
  };

  const plan = () => {
    cancelTimer();
    const s = get();
    if (!s.autoRescan || isScanActive(s.scan)) {
      set({ nextRescanAt: null });
      return;
    }
    const at = lastEndAt + s.autoRescanMs;
    const wait = Math.max(0, at - clock.now());
    set({ nextRescanAt: clock.now() + wait });
    timer = clock.setTimeout(() => void fire(), wait);
  };

  return {
    autoRescan: false,
    autoRescanMs: DEFAULT_AUTO_RESCAN_MS,
    nextRescanAt: null,
    historyVersion: 0,
    timelineVersion: 0,

    setAutoRescan(on) {
      if (on === get().autoRescan) return;
      set({ autoRescan: on });
      if (!on) {
        cancelTimer();
        set({ nextRescanAt: null });
        return;
      }
      // Turned on while idle: rescan now, then every interval after each end.
      lastEndAt = clock.now() - get().autoRescanMs;
      plan();
    },

    toggleAutoRescan() {
      get().setAutoRescan(!get().autoRescan);
    },

    setAutoRescanInterval(ms) {
      if (!Number.isFinite(ms) || ms <= 0) return;
      set({ autoRescanMs: ms });
      if (get().nextRescanAt !== null) plan();
    },

    scheduleAutoRescan() {
      lastEndAt = clock.now();
      plan();
    },

    frameHistory(gfn) {
      const s = get();
      const domain = s.pastView ? s.pastView.record.domain : s.domainId;
      return domain === null ? NO_TRANSITIONS : history.of(domain, gfn);
    },

    timelineSeries() {
      const s = get();
      return timeline.series(s.domainId ?? -1);
    },
  };
};
