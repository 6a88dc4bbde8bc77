/** The grid's layout and camera: frames per row, zoom and pan, and what the pointer is over. */
import {
  DEFAULT_FRAMES_PER_ROW,
  type GridGeometry,
  type View,
  type Viewport,
  centerOn,
  clampView,
  fitView,
  fitWidthView,
  gridGeometry,
  gridPoint,
  panBy,
  revealGfn,
  zoomAt,
} from '../grid/view-math';
import type { FramescopeState, SliceCreator, ViewSlice } from './types';

/** Below this share of the viewport's width, a fitted domain is a sliver: show full rows instead. */
const SLIVER_FRACTION = 1 / 3;

export function geometryOf(state: FramescopeState): GridGeometry {
  return gridGeometry(state.frameBuffer()?.frames ?? 0, state.framesPerRow);
}

function hasSize(vp: Viewport): boolean {
  return vp.width > 0 && vp.height > 0;
}

/** A domain's first view: all of it when that is wide enough to read, else full rows from the top. */
export function defaultView(geom: GridGeometry, vp: Viewport): View {
  const fit = fitView(geom, vp);
  if (geom.cols * fit.cellPx >= vp.width * SLIVER_FRACTION) return fit;
  return fitWidthView({ cellPx: 1, originX: 0, originY: 0 }, geom, vp);
}

export const createViewSlice: SliceCreator<ViewSlice> = (set, get) => {
  /** Applies a view computed from the current one and the current geometry. */
  const move = (next: (view: View, geom: GridGeometry, vp: Viewport) => View) => {
    const s = get();
    if (!hasSize(s.viewport)) return;
    set({ view: next(s.view, geometryOf(s), s.viewport) });
  };

  return {
    framesPerRow: DEFAULT_FRAMES_PER_ROW,
    aggregation: 'notable',
    view: { cellPx: 1, originX: 0, originY: 0 },
    viewport: { width: 0, height: 0 },
    fitPending: true,
    hover: null,

    setFramesPerRow(cols) {
      const s = get();
      if (cols === s.framesPerRow || !Number.isInteger(cols) || cols < 1) return;
      // Keep the frame at the centre of the view at the centre.
      const old = geometryOf(s);
      const p = gridPoint(s.view, s.viewport.width / 2, s.viewport.height / 2);
      const centre = Math.max(0, Math.min(old.frames - 1, Math.floor(p.y) * old.cols + Math.floor(p.x)));
      set({ framesPerRow: cols, hover: null });
      const geom = geometryOf(get());
      if (!hasSize(s.viewport)) return;
      set({ view: centerOn(clampView(s.view, geom, s.viewport), geom, s.viewport, centre) });
    },

    setAggregation(aggregation) {
      set({ aggregation });
    },

    setViewport(width, height) {
      const s = get();
      if (s.viewport.width === width && s.viewport.height === height) return;
      const viewport = { width, height };
      set({ viewport });
      if (!hasSize(viewport)) return;
      if (s.fitPending) get().resetView();
      else set({ view: clampView(s.view, geometryOf(s), viewport) });
    },

    setView(view) {
      move((_, geom, vp) => clampView(view, geom, vp));
    },

    zoomAt(factor, x, y) {
      move((view, geom, vp) => zoomAt(view, factor, x, y, geom, vp));
    },

    zoomBy(factor) {
      const vp = get().viewport;
      get().zoomAt(factor, vp.width / 2, vp.height / 2);
    },

    panBy(dx, dy) {
      move((view, geom, vp) => panBy(view, dx, dy, geom, vp));
    },

    resetView() {
      const s = get();
      if (!hasSize(s.viewport)) {
        set({ fitPending: true });
        return;
      }
      set({ fitPending: false, view: defaultView(geometryOf(s), s.viewport) });
    },

    fit() {
      move((_, geom, vp) => fitView(geom, vp));
    },

    fitWidth() {
      move((view, geom, vp) => fitWidthView(view, geom, vp, vp.height / 2));
    },

    revealGfn(gfn, minCellPx = 0) {
      move((view, geom, vp) => revealGfn(view, geom, vp, gfn, minCellPx));
    },

    scrollToStart() {
      move((view, geom, vp) => clampView({ ...view, originX: 0, originY: 0 }, geom, vp));
    },

    scrollToEnd() {
      move((view, geom, vp) => clampView({ ...view, originX: geom.cols, originY: geom.rows }, geom, vp));
    },

    setHover(hover) {
      const old = get().hover;
      if (old === hover || (old && hover && old.gfn === hover.gfn && old.x === hover.x && old.y === hover.y)) return;
      set({ hover });
    },
  };
};
