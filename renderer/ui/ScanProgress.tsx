/** Progress of the current scan: share done, frames/s, ETA; then how it ended. */
import { formatCount, formatDuration, formatGfn, formatRate } from '../format';
import { useFs } from '../store/react';
import type { ScanRun } from '../store/types';

function progressState(run: ScanRun | null): string {
  if (!run) return 'idle';
  if (run.phase === 'done') return run.summary?.error ? 'error' : run.summary?.cancelled ? 'cancelled' : 'done';
  return run.phase;
}

export function ScanProgress() {
  const run = useFs((s) => s.scan);
  const domains = useFs((s) => s.domains);
  const shownDomain = useFs((s) => s.domainId);
  const state = progressState(run);

  if (!run) {
    return (
      <div className="progress" data-testid="progress" data-state="idle">
        <div className="progress-text progress-idle">No scan yet. Scan maps every frame of the range through privcmd.</div>
      </div>
    );
  }

  const fraction = run.frames > 0 ? Math.min(1, run.scanned / run.frames) : 0;
  const rate = run.elapsedMs > 0 ? (run.scanned / run.elapsedMs) * 1000 : 0;
  const eta = rate > 0 ? ((run.frames - run.scanned) / rate) * 1000 : NaN;
  const domainName = domains.find((d) => d.id === run.domain)?.name ?? `domain ${run.domain}`;
  const range = `${formatGfn(run.first, run.last + 1)}–${formatGfn(run.last, run.last + 1)}`;
  const elsewhere = run.domain !== shownDomain ? ` (${domainName})` : '';

  let text: string;
  switch (state) {
    case 'starting':
      text = `Starting a scan of ${formatCount(run.frames)} frames…`;
      break;
    case 'running':
    case 'stopping':
      text =
        `${(fraction * 100).toFixed(1)}% · ${formatCount(run.scanned)} / ${formatCount(run.frames)} frames · ` +
        `${formatRate(rate)} · ETA ${formatDuration(eta)}${state === 'stopping' ? ' · stopping…' : ''}`;
      break;
    case 'done':
      text = `Scanned ${formatCount(run.scanned)} frames in ${formatDuration(run.elapsedMs)} (${formatRate(rate)})`;
      break;
    case 'cancelled':
      text = `Stopped after ${formatCount(run.scanned)} of ${formatCount(run.frames)} frames (${formatDuration(run.elapsedMs)})`;
      break;
    default:
      text = run.scanned > 0 ? `Stopped after ${formatCount(run.scanned)} of ${formatCount(run.frames)} frames` : 'The scan failed';
  }

  const error = run.error;
  const mismatch = run.countsCheck && run.countsCheck !== 'ok' ? run.countsCheck : null;
  return (
    <div className="progress" data-testid="progress" data-state={state} title={`${run.mode} scan of ${range}${elsewhere}`}>
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
      <div className="progress-text" data-testid="progress-text">
        <span className="progress-range">
          {run.mode} {range}
          {elsewhere}
        </span>
        <span>{text}</span>
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
