/**
 * A diff on show: what was compared, the frames that differ by transition and by exact code,
 * and where: the changed regions (runs of the same from → to code), a click away on the grid.
 */
import { STATUS_LABELS, type FrameStatus } from '../frame-codes';
import { formatCount, formatGfn, formatPercent } from '../format';
import { STATUS_COLORS } from '../grid/palette';
import { useFs } from '../store/react';
import { recordLabel } from './record-text';
import { RegionsView } from './RegionsPanel';

/** Rows of changed regions in view at once; the panel shares the side pane. */
const CHANGED_ROWS = 7;

const STATUSES = new Set<string>(['mapped', 'paged', 'invalid', 'unscanned']);

function StatusName({ status }: { status: string }) {
  if (!STATUSES.has(status)) return <span>{status}</span>;
  const s = status as FrameStatus;
  return (
    <span className="diff-status">
      <span className="swatch" style={{ background: STATUS_COLORS[s] }} />
      {STATUS_LABELS[s]}
    </span>
  );
}

function sorted(counts: Record<string, number>): Array<[string, number]> {
  return Object.entries(counts).sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
}

export function DiffPanel() {
  const diff = useFs((s) => (s.pastView?.kind === 'diff' ? s.pastView.diff : null));
  const backToLive = useFs((s) => s.backToLive);
  if (!diff) return null;
  const end = (diff.last ?? 0) + 1;
  return (
    <section className="diff-panel" data-testid="diff-panel" data-changed={diff.changed} aria-label="Diff">
      <div className="panel-header">
        <h2>Diff</h2>
        <span className="dim">{formatCount(diff.changed)} of {formatCount(diff.compared)} frames differ ({formatPercent(diff.changed, diff.compared)})</span>
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn-small btn-ghost" onClick={backToLive} aria-label="Close the diff" title="Back to live">
          ✕
        </button>
      </div>
      <dl className="frame-facts diff-facts">
        <dt>A</dt>
        <dd title={diff.a.origin.description}>{recordLabel(diff.a)}</dd>
        <dt>B</dt>
        <dd title={diff.b.origin.description}>{recordLabel(diff.b)}</dd>
        <dt>compared</dt>
        <dd>
          {diff.first === null ? 'nothing: the two do not overlap' : `${formatGfn(diff.first, end)}–${formatGfn(diff.last ?? 0, end)}`}
          {(diff.onlyInA > 0 || diff.onlyInB > 0) && (
            <span className="dim"> · only in A {formatCount(diff.onlyInA)} · only in B {formatCount(diff.onlyInB)}</span>
          )}
        </dd>
      </dl>
      {diff.changed > 0 && (
        <div className="diff-tables">
          <table className="diff-table" data-testid="diff-transitions">
            <thead>
              <tr><th>from → to</th><th>frames</th></tr>
            </thead>
            <tbody>
              {sorted(diff.transitions).map(([key, count]) => {
                const [from, to] = key.split('→');
                return (
                  <tr key={key} data-testid="diff-transition" data-key={key} data-count={count}>
                    <td><StatusName status={from} /> → <StatusName status={to} /></td>
                    <td className="num">{formatCount(count)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          <table className="diff-table" data-testid="diff-codes">
            <thead>
              <tr><th>by code</th><th>frames</th></tr>
            </thead>
            <tbody>
              {sorted(diff.codeTransitions).map(([key, count]) => (
                <tr key={key} data-testid="diff-code" data-key={key} data-count={count}>
                  <td className="mono">{key}</td>
                  <td className="num">{formatCount(count)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {diff.changed > 0 && (
        <div className="diff-regions">
          <RegionsView changesOnly maxRows={CHANGED_ROWS} title="Changed regions" />
        </div>
      )}
    </section>
  );
}
