/** Layout, shading and zoom of the grid: the layout, how zoomed-out pixels mix, zoom, fit, go to gfn. */
import { useState } from 'react';

import { PAGE_SIZE, formatBytes, formatGfn, parseFrameNumber } from '../format';
import { useFs } from '../store/react';
import type { LayoutMode } from '../store/types';
import type { Shading } from './frame-pyramid';
import type { RendererKind } from './renderer';
import { FRAMES_PER_ROW_CHOICES } from './view-math';

const BUTTON_ZOOM = 1.5;
/** Go to zooms in at least this far, so that the frame is a visible cell. */
const GOTO_CELL_PX = 12;

export function zoomText(cellPx: number): string {
  if (cellPx >= 1) return `${cellPx >= 10 ? cellPx.toFixed(0) : cellPx.toFixed(1)} px/frame`;
  const n = 1 / (cellPx * cellPx);
  return `1 px = ${n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(n >= 10 ? 0 : 1)} frames`;
}

/** The layout select's value: a mode, or "rows:N" for aligned rows of N frames. */
function layoutValue(mode: LayoutMode, framesPerRow: number): string {
  return mode === 'aligned' ? `rows:${framesPerRow}` : mode;
}

export const SHADING_HELP: Record<Shading, string> = {
  proportional: 'Mix: a pixel holding several frames mixes their colours by count, so 8 % paged looks 8 % orange (datashader\'s categorical shading)',
  notable: 'Most notable: a pixel shows its rarest, most telling code (paged > errors > holes > mapped), so a single paged or EPERM frame never disappears',
};

export function GridToolbar({ rendererKind }: { rendererKind: RendererKind | null }) {
  const mode = useFs((s) => s.layoutMode);
  const framesPerRow = useFs((s) => s.framesPerRow);
  const cols = useFs((s) => (s.layoutSpec.kind === 'rows' ? s.layoutSpec.cols : null));
  const cellPx = useFs((s) => s.view.cellPx);
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const setLayoutMode = useFs((s) => s.setLayoutMode);
  const setFramesPerRow = useFs((s) => s.setFramesPerRow);
  const shading = useFs((s) => s.shading);
  const setShading = useFs((s) => s.setShading);
  const zoomBy = useFs((s) => s.zoomBy);
  const fit = useFs((s) => s.fit);
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
        id="layout-select"
        aria-label="Layout"
        className="select select-small"
        data-testid="layout-select"
        value={layoutValue(mode, framesPerRow)}
        title={'Fit: rows as wide as makes the whole guest fill the grid (re-fitted on resize).\n' +
          'N/row: address-aligned rows (512 frames of 4 KiB = 2 MiB a row) for reading addresses.\n' +
          'Hilbert: frames along a Hilbert curve: neighbouring frames stay neighbours at every zoom.'}
        onChange={(e) => {
          const v = e.target.value;
          if (v.startsWith('rows:')) setFramesPerRow(Number(v.slice(5)));
          else setLayoutMode(v as LayoutMode);
        }}
      >
        <option value="fit">Fit{mode === 'fit' && cols ? ` · ${cols}/row` : ''}</option>
        {FRAMES_PER_ROW_CHOICES.map((n) => (
          <option key={n} value={`rows:${n}`}>
            {n}/row · {formatBytes(n * PAGE_SIZE)}
          </option>
        ))}
        <option value="hilbert">Hilbert curve</option>
      </select>
      <select
        id="shading-select"
        aria-label="How a zoomed-out pixel is coloured"
        className="select select-small"
        data-testid="shading-select"
        value={shading}
        onChange={(e) => setShading(e.target.value as Shading)}
        title={`${SHADING_HELP.proportional}\n${SHADING_HELP.notable}`}
      >
        <option value="proportional">px: mix</option>
        <option value="notable">px: most notable</option>
      </select>
      <span className="toolbar-sep" />
      <button type="button" className="btn btn-small btn-icon-small" onClick={() => zoomBy(1 / BUTTON_ZOOM)} title="Zoom out (−)" aria-label="Zoom out">
        −
      </button>
      <span className="zoom-readout" data-testid="zoom-readout" title="Zoom">
        {zoomText(cellPx)}
      </span>
      <button type="button" className="btn btn-small btn-icon-small" onClick={() => zoomBy(BUTTON_ZOOM)} title="Zoom in (+)" aria-label="Zoom in">
        +
      </button>
      <button type="button" className="btn btn-small" data-testid="fit-button" onClick={fit} title="The whole domain in view (0 or F)">
        Fit
      </button>
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
          <span className="inline-error" role="alert" title={gotoError}>
            {gotoError}
          </span>
        )}
      </form>
      <span className="toolbar-spacer" />
      {rendererKind && (
        <span
          className="renderer-badge"
          data-testid="renderer-kind"
          title={rendererKind === 'webgl2' ? 'Drawn on the GPU (WebGL2)' : 'Drawn with a 2D canvas (software WebGL, no WebGL2, or ?renderer=2d)'}
        >
          {rendererKind === 'webgl2' ? 'WebGL2' : '2D'}
        </span>
      )}
    </div>
  );
}
