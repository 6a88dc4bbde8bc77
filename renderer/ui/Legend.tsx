/**
 * Counts and shares of each frame status for the domain on show. They come from the buffer's
 * 256-bin histogram, updated per chunk; after a scan the chunks' tally was checked against the
 * summary the scanner sent (ScanProgress shows a mismatch).
 */
import { type FrameStatus, FRAME_STATUSES, STATUS_LABELS, codeNameOf } from '../frame-codes';
import { formatCount, formatPercent } from '../format';
import { MARK_STYLE, STATUS_COLORS } from '../grid/palette';
import { isScanActive } from '../store';
import { useFs } from '../store/react';

const STATUS_HINTS: Record<FrameStatus, string> = {
  mapped: 'The frame mapped: its contents are readable.',
  paged: 'ENOENT: paged out. Asking for it made Xen start paging it in.',
  invalid: 'Any other errno: no page there (hole, ballooned), not permitted, busy…',
  unscanned: 'No scan has reported this frame yet.',
};

const MAX_ERRNOS_SHOWN = 4;
const MAX_TRANSITIONS_SHOWN = 4;

/** The changed frames of what is on show, by transition: live changes or a diff's. */
function ChangedCounts() {
  const changes = useFs((s) => s.changes);
  const diff = useFs((s) => s.pastView?.kind === 'diff');
  const title = diff
    ? 'Frames whose status differs between the two sides of the diff (white on the grid)'
    : 'Frames whose status changed since the previous scan of the same range (white on the grid), until the next scan of them';
  return (
    <div className="legend-changes" title={title}>
      <span className="swatch swatch-changed" style={{ borderColor: MARK_STYLE.color }} />
      <span className="legend-label">{diff ? 'Differ' : 'Changed'}</span>
      <span className="legend-count" data-testid="count-changed" data-count={changes.total}>
        {formatCount(changes.total)}
      </span>
      {changes.transitions.slice(0, MAX_TRANSITIONS_SHOWN).map(({ key, count }) => (
        <span key={key} className="errno-chip" data-testid="change-transition" data-key={key} data-count={count}>
          {key} <b>{formatCount(count)}</b>
        </span>
      ))}
      {changes.transitions.length > MAX_TRANSITIONS_SHOWN && (
        <span className="errno-chip">+{changes.transitions.length - MAX_TRANSITIONS_SHOWN} more</span>
      )}
    </div>
  );
}

export function Legend() {
  const counts = useFs((s) => s.counts);
  const invalidCodes = useFs((s) => s.invalidCodes);
  const codeNames = useFs((s) => s.host?.codeNames);
  const checked = useFs((s) => (s.scan && !s.pastView && s.scan.domain === s.domainId && !isScanActive(s.scan) ? s.scan.countsCheck : null));
  const canClear = useFs((s) => !s.pastView && !(isScanActive(s.scan) && s.scan?.domain === s.domainId) && s.counts.unscanned < s.counts.total);
  const clearResults = useFs((s) => s.clearResults);
  const total = counts.total;

  return (
    <footer className="legend" data-testid="legend" data-total={total} aria-label="Frame status counts" title={`${formatCount(total)} frames`}>
      <div className="legend-bar" aria-hidden="true">
        {FRAME_STATUSES.map((status) => (
          <span key={status} style={{ flexGrow: counts[status], background: STATUS_COLORS[status] }} />
        ))}
      </div>
      <div className="legend-items">
        {FRAME_STATUSES.map((status) => (
          <div key={status} className="legend-item" title={STATUS_HINTS[status]}>
            <span className={`swatch swatch-${status}`} style={{ background: STATUS_COLORS[status] }} />
            <span className="legend-label">{STATUS_LABELS[status]}</span>
            <span className="legend-count" data-testid={`count-${status}`} data-count={counts[status]}>
              {formatCount(counts[status])}
            </span>
            <span className="legend-share" data-testid={`share-${status}`}>
              {formatPercent(counts[status], total)}
            </span>
          </div>
        ))}
        <div className="legend-errnos" data-testid="legend-errnos" title="Invalid frames by errno">
            {invalidCodes.slice(0, MAX_ERRNOS_SHOWN).map(({ code, count }) => (
              <span key={code} className="errno-chip">
                {codeNameOf(codeNames, code)} <b>{formatCount(count)}</b>
              </span>
            ))}
          {invalidCodes.length > MAX_ERRNOS_SHOWN && <span className="errno-chip">+{invalidCodes.length - MAX_ERRNOS_SHOWN} more</span>}
        </div>
        <ChangedCounts />
        <div className="legend-end">
          {/* Always laid out, so that the legend keeps its size when the check appears. */}
          <span
            className={`legend-check${checked === 'ok' ? '' : ' is-pending'}`}
            data-testid={checked === 'ok' ? 'counts-check' : undefined}
            title="The counts of the chunks received equal the scan summary's"
          >
            ✓ summary
          </span>
          <button type="button" className="btn btn-small" disabled={!canClear} onClick={clearResults} title="Forget this domain's scan results">
            Clear
          </button>
        </div>
      </div>
    </footer>
  );
}
