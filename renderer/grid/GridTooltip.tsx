/** What the pointer is over: gfn, address, status and errno name. */
import { CODE_UNSCANNED, STATUS_LABELS, codeNameOf, statusOf } from '../frame-codes';
import { formatAddress, formatGfn } from '../format';
import { NO_MARK } from '../store/change-marks';
import { useFs } from '../store/react';
import { codeColor } from './palette';

const OFFSET_PX = 16;
const TOOLTIP_W = 250;
const TOOLTIP_H = 116;

export function GridTooltip() {
  const hover = useFs((s) => s.hover);
  // Selectors run on every store change, so the code under the pointer follows the chunks.
  const code = useFs((s) => (s.hover ? s.frameBuffer()?.codeAt(s.hover.gfn) : undefined));
  const changedFrom = useFs((s) => (s.hover ? (s.frameBuffer()?.marks.at(s.hover.gfn) ?? NO_MARK) : NO_MARK));
  const diff = useFs((s) => s.pastView?.kind === 'diff');
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const codeNames = useFs((s) => s.host?.codeNames);
  const vp = useFs((s) => s.viewport);
  if (!hover || code === undefined) return null;

  const status = statusOf(code);
  const x = hover.x + OFFSET_PX + TOOLTIP_W > vp.width ? hover.x - OFFSET_PX - TOOLTIP_W : hover.x + OFFSET_PX;
  const y = hover.y + OFFSET_PX + TOOLTIP_H > vp.height ? hover.y - OFFSET_PX - TOOLTIP_H : hover.y + OFFSET_PX;
  return (
    <div className="grid-tooltip" data-testid="grid-tooltip" style={{ transform: `translate(${Math.max(0, x)}px, ${Math.max(0, y)}px)` }}>
      <div className="tt-row">
        <span className="tt-key">gfn</span>
        <span className="tt-val" data-testid="tooltip-gfn">
          {formatGfn(hover.gfn, frames)} <span className="tt-dim">({hover.gfn})</span>
        </span>
      </div>
      <div className="tt-row">
        <span className="tt-key">address</span>
        <span className="tt-val">{formatAddress(hover.gfn, frames)}</span>
      </div>
      <div className="tt-row">
        <span className="tt-key">status</span>
        <span className="tt-val" data-testid="tooltip-status">
          <span className="swatch" style={{ background: codeColor(code) }} />
          {STATUS_LABELS[status]}
          {code !== CODE_UNSCANNED && (
            <span className="tt-errno" data-testid="tooltip-errno">
              {' '}
              {codeNameOf(codeNames, code)}
              {code !== 0 && <span className="tt-dim"> (code {code})</span>}
            </span>
          )}
        </span>
      </div>
      {changedFrom !== NO_MARK && (
        <div className="tt-row" data-testid="tooltip-changed">
          <span className="tt-key">{diff ? 'in A' : 'was'}</span>
          <span className="tt-val">
            <span className="swatch" style={{ background: codeColor(changedFrom) }} />
            {STATUS_LABELS[statusOf(changedFrom)]} <span className="tt-dim">{codeNameOf(codeNames, changedFrom)}</span>
          </span>
        </div>
      )}
    </div>
  );
}
