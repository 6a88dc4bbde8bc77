/** Range, mode and batch of the next scan, and the Scan / Stop buttons. */
import { useId } from 'react';

import type { ScanMode } from '../../app/api';
import { formatCount, formatGfn, parseRange } from '../format';
import { isScanActive } from '../store';
import { useFs } from '../store/react';

export const MODE_HELP: Record<ScanMode, string> = {
  observe:
    'Observe: map every frame once and record what Xen answers. Observing still makes Xen page the frame in: ' +
    'mapping a paged-out frame requests its page-in, so a second scan may find it mapped.',
  retry:
    'Retry: frames that answer ENOENT (paged out) are asked for again until they page in or the batch runs ' +
    'out of time, as a tool that needs the contents would do. Shows the guest as it is once paged in.',
};

const BATCH_CHOICES = [256, 1024, 4096, 16384];

export function ScanControls() {
  const id = useId();
  const domains = useFs((s) => s.domains);
  const domainId = useFs((s) => s.domainId);
  const firstText = useFs((s) => s.rangeFirstText);
  const lastText = useFs((s) => s.rangeLastText);
  const mode = useFs((s) => s.scanMode);
  const batch = useFs((s) => s.scanBatch);
  const active = useFs((s) => isScanActive(s.scan));
  const connected = useFs((s) => s.connection !== 'closed');
  const phase = useFs((s) => s.scan?.phase ?? null);
  const scannedBefore = useFs((s) => s.domainId !== null && s.lastScanIds[s.domainId] !== undefined);
  const setRangeText = useFs((s) => s.setRangeText);
  const setScanMode = useFs((s) => s.setScanMode);
  const setScanBatch = useFs((s) => s.setScanBatch);
  const startScan = useFs((s) => s.startScan);
  const stopScan = useFs((s) => s.stopScan);

  const domain = domains.find((d) => d.id === domainId);
  const frames = domain?.frames ?? null;
  const parsed = domain ? parseRange(firstText, lastText, frames) : null;
  const unknownWhole = frames === null && firstText.trim() === '' && lastText.trim() === '';
  const error = parsed && !parsed.ok && !unknownWhole ? parsed : null;
  const canScan = connected && !!domain && !active && (unknownWhole || !!parsed?.ok);
  const rangeSize = parsed?.ok ? parsed.last - parsed.first + 1 : null;

  const placeholderFirst = '0x0';
  const placeholderLast = frames ? formatGfn(frames - 1, frames) : 'last gfn';

  return (
    <form
      className="scan-controls"
      onSubmit={(e) => {
        e.preventDefault();
        if (canScan) void startScan();
      }}
    >
      <div className="range-fields">
        <label className="field-label" htmlFor={`${id}-first`}>
          Range
        </label>
        <input
          id={`${id}-first`}
          className={`input input-gfn${error?.field === 'first' ? ' is-invalid' : ''}`}
          data-testid="range-first"
          placeholder={placeholderFirst}
          value={firstText}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error?.field === 'first'}
          aria-describedby={`${id}-range-msg`}
          title="First gfn of the scan, hex (0x1f000) or decimal; empty: the domain's first frame"
          onChange={(e) => setRangeText('first', e.target.value)}
        />
        <span className="range-dash" aria-hidden="true">
          –
        </span>
        <input
          className={`input input-gfn${error?.field === 'last' ? ' is-invalid' : ''}`}
          data-testid="range-last"
          aria-label="Last gfn"
          placeholder={placeholderLast}
          value={lastText}
          spellCheck={false}
          autoComplete="off"
          aria-invalid={error?.field === 'last'}
          aria-describedby={`${id}-range-msg`}
          title="Last gfn of the scan, inclusive, hex or decimal; empty: the domain's last frame"
          onChange={(e) => setRangeText('last', e.target.value)}
        />
        <span id={`${id}-range-msg`} className={error ? 'range-error' : 'range-info'} title={error ? error.error : undefined} data-testid={error ? 'range-error' : 'range-info'} role={error ? 'alert' : undefined}>
          {error ? error.error : rangeSize !== null && (
            <>
              {formatCount(rangeSize)} frames
              {parsed?.ok && parsed.whole && <span className="range-whole"> (whole)</span>}
            </>
          )}
        </span>
      </div>

      <div className="mode-field">
        <label className="field-label" htmlFor={`${id}-mode`}>
          Mode
        </label>
        <select
          id={`${id}-mode`}
          className="select"
          data-testid="mode-select"
          value={mode}
          title={MODE_HELP[mode]}
          onChange={(e) => setScanMode(e.target.value as ScanMode)}
        >
          <option value="observe">observe</option>
          <option value="retry">retry</option>
        </select>
        <span className="help" tabIndex={0} role="note" aria-label="What the modes do" data-testid="mode-help">
          ?
          <span className="help-popover">
            <strong>observe</strong> — {MODE_HELP.observe.replace(/^Observe: /, '')}
            <br />
            <br />
            <strong>retry</strong> — {MODE_HELP.retry.replace(/^Retry: /, '')}
          </span>
        </span>
      </div>

      <div className="batch-field">
        <label className="field-label" htmlFor={`${id}-batch`}>
          Batch
        </label>
        <select
          id={`${id}-batch`}
          className="select"
          data-testid="batch-select"
          value={batch ?? ''}
          title="Frames per privcmd ioctl"
          onChange={(e) => setScanBatch(e.target.value === '' ? null : Number(e.target.value))}
        >
          <option value="">default</option>
          {BATCH_CHOICES.map((n) => (
            <option key={n} value={n}>
              {formatCount(n)}
            </option>
          ))}
        </select>
      </div>

      <div className="scan-buttons">
        <button type="submit" className="btn btn-primary" data-testid="scan-button" disabled={!canScan}
          title="Scan the range (Enter or F5): a rescan marks the frames whose status changed since the previous scan">
          {phase === 'starting' ? 'Starting…' : scannedBefore ? 'Rescan' : 'Scan'}
        </button>
        <button
          type="button"
          className="btn btn-danger"
          data-testid="stop-button"
          disabled={!active || phase === 'stopping'}
          onClick={() => void stopScan()}
        >
          {phase === 'stopping' ? 'Stopping…' : 'Stop'}
        </button>
      </div>
    </form>
  );
}
