/**
 * Counts and shares of each frame status and of each code (errno) for the codes on show, in
 * the grid's colours. They come from the buffer's 256-bin histogram, updated per chunk; after
 * a scan the chunks' tally was checked against the summary the scanner sent (ScanProgress
 * shows a mismatch). Every status and code is a button: it highlights those frames on the grid
 * (the rest dim), and N / Shift+N step to the next / previous one.
 */
import { type FrameStatus, FRAME_STATUSES, STATUS_LABELS, codeNameOf, statusOf } from '../frame-codes';
import { formatCount, formatPercent } from '../format';
import { SHADING_HELP } from '../grid/GridToolbar';
import { MARK_STYLE, STATUS_COLORS, codeColor } from '../grid/palette';
import { ERRNO_HINTS } from '../hex/errno-hints';
import { isScanActive } from '../store';
import type { CodeCount } from '../store/frame-buffer';
import { useFs } from '../store/react';
import type { Highlight } from '../store/types';
import { sameHighlight } from '../store/view-slice';

const STATUS_HINTS: Record<FrameStatus, string> = {
  mapped: 'The frame mapped: its contents are readable.',
  paged: 'ENOENT: paged out. Asking for it made Xen start paging it in.',
  invalid: 'Any other errno: no page there (hole, ballooned), not permitted, busy… (each errno has a colour of its own)',
  unscanned: 'No scan has reported this frame yet.',
};

const MAX_TRANSITIONS_SHOWN = 3;

/** A swatch for a status: its colour, or for "invalid" the colours of its codes side by side. */
function statusSwatch(status: FrameStatus, invalidCodes: CodeCount[]): string {
  if (status !== 'invalid' || invalidCodes.length <= 1) return invalidCodes.length === 1 && status === 'invalid' ? codeColor(invalidCodes[0].code) : STATUS_COLORS[status];
  const colors = invalidCodes.slice(0, 4).map((c) => codeColor(c.code));
  const stops = colors.map((c, i) => `${c} ${(i * 100) / colors.length}% ${((i + 1) * 100) / colors.length}%`);
  return `linear-gradient(90deg, ${stops.join(', ')})`;
}

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
        <span key={key} className="legend-transition" data-testid="change-transition" data-key={key} data-count={count}>
          {key} <b>{formatCount(count)}</b>
        </span>
      ))}
      {changes.transitions.length > MAX_TRANSITIONS_SHOWN && (
        <span className="legend-transition" title={changes.transitions.slice(MAX_TRANSITIONS_SHOWN).map((t) => `${t.key} ${formatCount(t.count)}`).join('\n')}>
          +{changes.transitions.length - MAX_TRANSITIONS_SHOWN}
        </span>
      )}
    </div>
  );
}

/** What is highlighted, how many frames, and the steps to the previous and next one. */
function HighlightBar({ highlight, count }: { highlight: Highlight; count: number }) {
  const codeNames = useFs((s) => s.host?.codeNames);
  const step = useFs((s) => s.stepHighlight);
  const clear = useFs((s) => s.setHighlight);
  const name = highlight.kind === 'code' ? codeNameOf(codeNames, highlight.code) : STATUS_LABELS[highlight.status];
  const color = highlight.kind === 'code' ? codeColor(highlight.code) : STATUS_COLORS[highlight.status];
  return (
    <div className="legend-highlight" data-testid="highlight-bar" data-count={count}>
      <span className="swatch" style={{ background: color }} />
      <span className="legend-highlight-text">
        Showing <b>{name}</b> · {formatCount(count)} frames
      </span>
      <button type="button" className="btn btn-small" data-testid="highlight-prev" onClick={() => step(-1)} disabled={count === 0}
        title="Previous frame of it (Shift+N)">
        ◀ Prev
      </button>
      <button type="button" className="btn btn-small" data-testid="highlight-next" onClick={() => step(1)} disabled={count === 0}
        title="Next frame of it (N)">
        Next ▶
      </button>
      <button type="button" className="btn btn-small btn-ghost" data-testid="highlight-clear" onClick={() => clear(null)} aria-label="Show every frame again"
        title="Show every frame again (Escape)">
        ✕
      </button>
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
  const highlight = useFs((s) => s.highlight);
  const toggle = useFs((s) => s.toggleHighlight);
  const shading = useFs((s) => s.shading);
  const zoomedOut = useFs((s) => s.view.cellPx < 1);
  const total = counts.total;

  const highlightCount = !highlight ? 0 : highlight.kind === 'status'
    ? counts[highlight.status]
    : (invalidCodes.find((c) => c.code === highlight.code)?.count ?? (statusOf(highlight.code) === 'invalid' ? 0 : counts[statusOf(highlight.code)]));
  const pressed = (h: Highlight) => sameHighlight(highlight, h);

  return (
    <footer className="legend" data-testid="legend" data-total={total} aria-label="Frame status counts" title={`${formatCount(total)} frames`}>
      <div className="legend-bar" aria-hidden="true">
        {FRAME_STATUSES.flatMap((status) => status === 'invalid'
          ? invalidCodes.map(({ code, count }) => <span key={`c${code}`} style={{ flexGrow: count, background: codeColor(code) }} />)
          : [<span key={status} style={{ flexGrow: counts[status], background: STATUS_COLORS[status] }} />])}
      </div>
      <div className="legend-items">
        {FRAME_STATUSES.map((status) => (
          <button key={status} type="button" className={`legend-item${pressed({ kind: 'status', status }) ? ' is-pressed' : ''}`}
            data-testid={`legend-${status}`} aria-pressed={pressed({ kind: 'status', status })} disabled={counts[status] === 0 && !pressed({ kind: 'status', status })}
            title={`${STATUS_HINTS[status]}\nClick: highlight these frames on the grid; N / Shift+N: next / previous`}
            onClick={() => toggle({ kind: 'status', status })}>
            <span className={`swatch swatch-${status}`} style={{ background: statusSwatch(status, invalidCodes) }} />
            <span className="legend-label">{STATUS_LABELS[status]}</span>
            <span className="legend-count" data-testid={`count-${status}`} data-count={counts[status]}>
              {formatCount(counts[status])}
            </span>
            <span className="legend-share" data-testid={`share-${status}`}>
              {formatPercent(counts[status], total)}
            </span>
          </button>
        ))}
        <ChangedCounts />
      </div>
      <div className="legend-items legend-codes">
        <div className="legend-errnos" data-testid="legend-errnos" title="Invalid frames by errno: click one to highlight it">
          {invalidCodes.map(({ code, count }) => {
            const name = codeNameOf(codeNames, code);
            const on = pressed({ kind: 'code', code });
            return (
              <button key={code} type="button" className={`errno-chip${on ? ' is-pressed' : ''}`} data-testid="errno-chip" data-code={code} data-count={count}
                aria-pressed={on} title={`${name}${ERRNO_HINTS[name] ? `: ${ERRNO_HINTS[name]}` : ''} · ${formatPercent(count, total)}\nClick: highlight these frames; N / Shift+N: next / previous`}
                onClick={() => toggle({ kind: 'code', code })}>
                <span className="swatch" style={{ background: codeColor(code) }} />
                {name} <b>{formatCount(count)}</b>
              </button>
            );
          })}
        </div>
        <span className="legend-end">
          <span className="legend-shading" data-testid="shading-note" data-shading={shading} title={SHADING_HELP[shading]}>
            {zoomedOut ? 'zoomed out: ' : ''}{shading === 'proportional' ? 'pixels mix' : 'most notable'}
          </span>
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
        </span>
      </div>
      {highlight && <HighlightBar highlight={highlight} count={highlightCount} />}
    </footer>
  );
}
