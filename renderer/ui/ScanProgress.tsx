/** Progress of the current scan: share done, frames/s, ETA; then how it ended. */
import { useEffect, useState } from 'react';

import { formatCount, formatDuration, formatGfn, formatRate } from '../format';
import { runOnShow } from '../store';
import { useFs } from '../store/react';
import type { ScanRun } from '../store/types';

function progressState(run: ScanRun | null): string {
  if (!run) return 'idle';
  if (run.phase === 'done') return run.summary?.error ? 'error' : run.summary?.cancelled ? 'cancelled' : 'done';
  return run.phase;
}

/** How a page-in ended: how many of the paged-out frames came back (summary.retry). */
export function pageInText(run: ScanRun): string {
  const retry = run.summary?.retry;
  if (!run.summary || !retry) return `Page-in done in ${formatDuration(run.elapsedMs)}`;
  if (retry.retried === 0) return `Nothing to page in: no frame of the range was paged out (${formatDuration(run.elapsedMs)})`;
  const still = run.summary.counts.paged;
  return `Paged in ${formatCount(retry.recovered)} of ${formatCount(retry.retried)} paged-out frames in ${formatDuration(run.elapsedMs)}` +
    (still > 0 ? ` · ${formatCount(still)} still paged out` : '');
}

/** Seconds until the next auto-rescan, ticking while one is due. */
function useCountdown(at: number | null): number | null {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (at === null) return;
    setNow(Date.now());
    const timer = window.setInterval(() => setNow(Date.now()), 250);
    return () => window.clearInterval(timer);
  }, [at]);
  return at === null ? null : Math.max(0, Math.ceil((at - now) / 1000));
}

export function ScanProgress() {
  const run = useFs(runOnShow);
  const domains = useFs((s) => s.domains);
  const shownDomain = useFs((s) => s.domainId);
  const countdown = useCountdown(useFs((s) => s.nextRescanAt));
  const state = progressState(run);

  if (!run) {
    return (
      <div className="progress" data-testid="progress" data-state="idle">
        <div className="progress-text progress-idle">
          <span className="progress-main">No scan yet. Scan maps every frame of the range through privcmd.</span>
        </div>
      </div>
    );
  }

  const fraction = run.frames > 0 ? Math.min(1, run.scanned / run.frames) : 0;
  const rate = run.elapsedMs > 0 ? (run.scanned / run.elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? ((run.frames - run.scanned) / rate) * 1000 : NaN;
  const domainName = domains.find((d) => d.id === run.domain)?.name ?? `domain ${run.domain}`;
  const range = `${formatGfn(run.first, run.last + 1)}–${formatGfn(run.last, run.last + 1)}`;
  const elsewhere = run.domain !== shownDomain ? ` (${domainName})` : '';

  const pageIn = run.kind === 'page-in';
  const what = pageIn ? 'page-in' : 'scan';
  let text: string;
  switch (state) {
    case 'starting':
      text = `Starting a ${what} of ${formatCount(run.frames)} frames…`;
      break;
    case 'running':
    case 'stopping':
      text = pageIn && fraction >= 1
        ? `Paging in: waiting for Xen to bring the paged-out frames back · ${formatDuration(run.elapsedMs)}${state === 'stopping' ? ' · stopping…' : ''}`
        : `${(fraction * 100).toFixed(1)}% · ${formatCount(run.scanned)} / ${formatCount(run.frames)} frames · ` +
          `${formatRate(rate)} · ETA ${formatDuration(eta)}${state === 'stopping' ? ' · stopping…' : ''}`;
      break;
    case 'done':
      text = pageIn ? pageInText(run) : `Scanned ${formatCount(run.scanned)} frames in ${formatDuration(run.elapsedMs)} (${formatRate(rate)})`;
      break;
    case 'cancelled':
      text = pageIn && run.summary?.retry
        ? `Page-in stopped: ${pageInText(run)}`
        : `Stopped after ${formatCount(run.scanned)} of ${formatCount(run.frames)} frames (${formatDuration(run.elapsedMs)})`;
      break;
    default:
      text = run.scanned > 0 ? `Stopped after ${formatCount(run.scanned)} of ${formatCount(run.frames)} frames` : 'The scan failed';
  }

  const error = run.error;
  const mismatch = run.countsCheck && run.countsCheck !== 'ok' ? run.countsCheck : null;
  return (
    <div className="progress" data-testid="progress" data-state={state} data-kind={run.kind} title={`${pageIn ? 'page-in' : `${run.mode} scan`} of ${range}${elsewhere}`}>
      <div
        className={`progress-bar${state === 'starting' ? ' is-indeterminate' : ''}`}
        role="progressbar"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={Math.round(fraction * 100)}
        aria-label="Scan progress"
      >
        <div className={`progress-fill progress-${state}`} style={{ transform: `scaleX(${fraction})` }} />
      </div>
      <div className="progress-text" data-testid="progress-text" title={text}>
        <span className="progress-range">
          {pageIn ? 'page-in' : run.mode} {range}
          {elsewhere}
        </span>
        <span className="progress-main">{text}</span>
        {countdown !== null && (
          <span className="progress-next" data-testid="auto-next">
            · rescan in {countdown} s
          </span>
        )}
      </div>
      {error && (
        <div className="progress-error" role="alert" data-testid="scan-error" title={error}>
          {state === 'failed' ? error : `Stopped early: ${error}`}
        </div>
      )}
      {mismatch && (
        <div className="progress-error" role="alert" data-testid="counts-mismatch">
          Counts differ from the scan summary: {mismatch}
        </div>
      )}
    </div>
  );
}
