/** Layout and zoom of the grid: frames per row, zoom readout, fit buttons, go to gfn. */
import { useState } from 'react';

import { PAGE_SIZE, formatBytes, formatGfn, parseFrameNumber } from '../format';
import { useFs } from '../store/react';
import type { RendererKind } from './renderer';
import type { Aggregation } from './status-pyramid';
import { FRAMES_PER_ROW_CHOICES } from './view-math';

const BUTTON_ZOOM = 1.5;
/** Go to zooms in at least this far, so that the frame is a visible cell. */
const GOTO_CELL_PX = 12;

function zoomText(cellPx: number): string {
  if (cellPx >= 1) return `${cellPx >= 10 ? cellPx.toFixed(0) : cellPx.toFixed(1)} px/frame`;
  const n = 1 / cellPx;
  return `1 px = ${n >= 10 ? n.toFixed(0) : n.toFixed(1)}² frames`;
}

export function GridToolbar({ rendererKind }: { rendererKind: RendererKind | null }) {
  const framesPerRow = useFs((s) => s.framesPerRow);
  const cellPx = useFs((s) => s.view.cellPx);
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const setFramesPerRow = useFs((s) => s.setFramesPerRow);
  const aggregation = useFs((s) => s.aggregation);
  const setAggregation = useFs((s) => s.setAggregation);
  const zoomBy = useFs((s) => s.zoomBy);
  const fit = useFs((s) => s.fit);
  const fitWidth = useFs((s) => s.fitWidth);
  const revealGfn = useFs((s) => s.revealGfn);
  const selectFrame = useFs((s) => s.selectFrame);
  const [goto, setGoto] = useState('');
  const [gotoError, setGotoError] = useState<string | null>(null);

  const go = () => {
    const p = parseFrameNumber(goto);
    if (!p.ok) return setGotoError(p.error);
    if (p.value >= frames) return setGotoError(`past the last frame ${formatGfn(Math.max(0, frames - 1), frames)}`);
    setGotoError(null);
    revealGfn(p.value, GOTO_CELL_PX);
    selectFrame(p.value);
  };

  return (
    <div className="grid-toolbar">
      <select
        id="frames-per-row"
        aria-label="Frames per row"
        title="Frames per row (512 frames of 4 KiB: a 2 MiB superpage per row)"
        className="select select-small"
        data-testid="frames-per-row"
        value={framesPerRow}
        onChange={(e) => setFramesPerRow(Number(e.target.value))}
      >
        {FRAMES_PER_ROW_CHOICES.map((n) => (
          <option key={n} value={n}>
            {n}/row · {formatBytes(n * PAGE_SIZE)}
          </option>
        ))}
      </select>
      <span className="toolbar-sep" />
      <button type="button" className="btn btn-small" onClick={() => zoomBy(1 / BUTTON_ZOOM)} title="Zoom out (−)" aria-label="Zoom out">
        −
      </button>
      <span className="zoom-readout" data-testid="zoom-readout">
        {zoomText(cellPx)}
      </span>
      <button type="button" className="btn btn-small" onClick={() => zoomBy(BUTTON_ZOOM)} title="Zoom in (+)" aria-label="Zoom in">
        +
      </button>
      <button type="button" className="btn btn-small" data-testid="fit-button" onClick={fit} title="The whole domain in view (0 or F)">
        Fit
      </button>
      <button type="button" className="btn btn-small" onClick={fitWidth} title="Full rows across the view (W)">
        Fit width
      </button>
      <select
        id="aggregation-select"
        aria-label="What a zoomed-out pixel shows"
        className="select select-small"
        data-testid="aggregation-select"
        value={aggregation}
        disabled={cellPx >= 1}
        onChange={(e) => setAggregation(e.target.value as Aggregation)}
        title={
          'When a pixel covers several frames, it shows either their most notable status (paged > invalid > ' +
          'mapped > not scanned: a single paged frame never disappears, but a status spread thinly everywhere ' +
          'colours everything) or their most common one (proportions, but rare statuses fade out).'
        }
      >
        <option value="notable">px: most notable</option>
        <option value="common">px: most common</option>
      </select>
      <span className="toolbar-sep" />
      <form
        className="goto"
        onSubmit={(e) => {
          e.preventDefault();
          go();
        }}
      >
        <input
          className={`input input-small input-gfn${gotoError ? ' is-invalid' : ''}`}
          placeholder="go to gfn"
          value={goto}
          data-testid="goto-input"
          spellCheck={false}
          title={gotoError ?? 'Select and show a frame: hex (0x1234) or decimal'}
          aria-invalid={!!gotoError}
          onChange={(e) => {
            setGoto(e.target.value);
            setGotoError(null);
          }}
        />
        <button type="submit" className="btn btn-small">
          Go
        </button>
        {gotoError && (
          <span className="inline-error" role="alert">
            {gotoError}
          </span>
        )}
      </form>
      <span className="toolbar-spacer" />
      {rendererKind && (
        <span
          className="renderer-badge"
          data-testid="renderer-kind"
          title={
            rendererKind === 'webgl2'
              ? 'Drawn on the GPU (WebGL2). Zoomed out, each pixel shows the most notable status of its frames: paged > invalid > mapped > unscanned.'
              : 'Drawn with a 2D canvas (no WebGL2, or ?renderer=2d). Zoomed out, each pixel shows the most notable status of its frames.'
          }
        >
          {rendererKind === 'webgl2' ? 'WebGL2' : '2D canvas'}
        </span>
      )}
    </div>
  );
}
