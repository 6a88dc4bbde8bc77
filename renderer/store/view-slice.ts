/**
 * The grid's layout and camera: how frames are laid out (fitted rows, address-aligned rows or
 * a Hilbert curve), zoom and pan, how a zoomed-out pixel is shaded, which frames the legend
 * highlights, and what the pointer is over.
 */
import { CODE_UNSCANNED, statusOf } from '../frame-codes';
import type { Shading } from '../grid/frame-pyramid';
import {
  type GridLayout,
  type LayoutSpec,
  fillOf,
  fitColumns,
  fitHilbert,
  makeLayout,
  refitColumns,
  sameSpec,
} from '../grid/layout';
import {
  DEFAULT_FRAMES_PER_ROW,
  type View,
  type Viewport,
  centerOn,
  clampView,
  fitView,
  fitWidthView,
  gfnAtPoint,
  gridPoint,
  panBy,
  revealGfn,
  sameView,
  zoomAt,
} from '../grid/view-math';
import type { FrameBuffer } from './frame-buffer';
import type { FramescopeState, Highlight, HoverInfo, LayoutMode, SliceCreator, ViewSlice } from './types';

/** Below this share of the viewport's width, a fitted aligned layout is a sliver: show full rows instead. */
const SLIVER_FRACTION = 1 / 3;
/** After a resize, the Hilbert arrangement is kept while it fills this share of what the best would. */
const HILBERT_RESIZE_KEEP = 0.92;

/** Layouts made for the state, by spec object: every pointer move asks for one. */
const layoutCache = new WeakMap<LayoutSpec, GridLayout>();

function hasSize(vp: Viewport): boolean {
  return vp.width > 0 && vp.height > 0;
}

/** The frames on show: the past view's buffer or the live domain's. */
function framesOnShow(state: FramescopeState): number {
  return state.frameBuffer()?.frames ?? 0;
}

/**
 * The layout a mode gives `frames` in `vp`; `previous` (the layout on show before a resize)
 * is kept while it still fills the window nearly as well, so that a drag of the window's edge
 * does not re-lay the guest at every pixel.
 */
export function chooseLayout(mode: LayoutMode, framesPerRow: number, frames: number, vp: Viewport, previous: LayoutSpec | null): LayoutSpec {
  if (mode === 'aligned') return { kind: 'rows', cols: framesPerRow };
  if (!hasSize(vp)) return previous ?? { kind: 'rows', cols: framesPerRow };
  if (mode === 'fit') {
    const current = previous?.kind === 'rows' ? previous.cols : null;
    return { kind: 'rows', cols: current === null ? fitColumns(frames, vp) : refitColumns(current, frames, vp) };
  }
  const best = fitHilbert(frames, vp);
  if (previous?.kind === 'hilbert') {
    const fill = (s: { order: number; across: number }) => {
      const side = 2 ** s.order;
      return fillOf(frames, s.across * side, Math.ceil(Math.max(1, frames) / (side * side) / s.across) * side, vp);
    };
    if (fill(previous) >= HILBERT_RESIZE_KEEP * fill(best)) return previous;
  }
  return { kind: 'hilbert', ...best };
}

/** The layout of the frames on show. */
export function layoutOf(state: FramescopeState): GridLayout {
  const frames = framesOnShow(state);
  let spec = state.layoutSpec;
  // The stored layout was chosen for other frames (a domain switch not yet laid out): choose afresh.
  if (state.layoutFrames !== frames) spec = chooseLayout(state.layoutMode, state.framesPerRow, frames, state.viewport, null);
  const cached = layoutCache.get(spec);
  if (cached && cached.frames === frames) return cached;
  const layout = makeLayout(spec, frames);
  layoutCache.set(spec, layout);
  return layout;
}

/** A domain's first view: all of it; for aligned rows, full rows when all of it would be a sliver. */
export function defaultView(layout: GridLayout, vp: Viewport, mode: LayoutMode = 'aligned'): View {
  const fit = fitView(layout, vp);
  if (mode !== 'aligned' || layout.cols * fit.cellPx >= vp.width * SLIVER_FRACTION) return fit;
  return fitWidthView({ cellPx: 1, originX: 0, originY: 0 }, layout, vp);
}

/** The hover, with its frame worked out again for `view` (the pointer stayed, the grid moved). */
function hoverAfter(state: FramescopeState, view: View, layout: GridLayout): HoverInfo | null {
  const h = state.hover;
  if (!h) return null;
  const gfn = gfnAtPoint(view, layout, h.x, h.y);
  return gfn === null ? null : { ...h, gfn };
}

export function sameHighlight(a: Highlight | null, b: Highlight | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.kind === 'code') return b.kind === 'code' && a.code === b.code;
  return b.kind === 'status' && a.status === b.status;
}

/** Per code: 1 when the highlight takes it. */
export function highlightCodes(highlight: Highlight | null): Uint8Array | null {
  if (!highlight) return null;
  const set = new Uint8Array(256);
  for (let code = 0; code < 256; code++) {
    if (code === CODE_UNSCANNED && highlight.kind !== 'status') continue;
    if (highlight.kind === 'code' ? code === highlight.code : statusOf(code) === highlight.status) set[code] = 1;
  }
  return set;
}

/** The first (or, backwards, last) frame the highlight takes after (before) `from`, wrapping round. */
export function findHighlighted(buffer: FrameBuffer, set: Uint8Array, from: number, direction: 1 | -1): number | null {
  const codes = buffer.codes;
  const present: number[] = [];
  for (let code = 0; code < 256; code++) if (set[code] && buffer.histogram.bins[code] > 0) present.push(code);
  if (present.length === 0 || codes.length === 0) return null;
  // indexOf per code present is a native scan; the nearest of them wins
  const search = (lo: number, hi: number): number | null => {
    let best: number | null = null;
    const slice = codes.subarray(lo, hi);
    for (const code of present) {
      const i = direction === 1 ? slice.indexOf(code) : slice.lastIndexOf(code);
      if (i >= 0 && (best === null || (direction === 1 ? i < best : i > best))) best = i;
    }
    return best === null ? null : lo + best;
  };
  if (direction === 1) return search(from + 1, codes.length) ?? search(0, Math.min(codes.length, from + 1));
  return search(0, Math.max(0, from)) ?? search(Math.max(0, from), codes.length);
}

export const createViewSlice: SliceCreator<ViewSlice> = (set, get) => {
  /** Applies a view computed from the current one and the current layout; the hover follows. */
  const move = (next: (view: View, layout: GridLayout, vp: Viewport) => View) => {
    const s = get();
    if (!hasSize(s.viewport)) return;
    const layout = layoutOf(s);
    const view = next(s.view, layout, s.viewport);
    // Still showing the whole guest (a pan that the clamp undid, say): a resize re-fits it.
    const fitted = sameView(view, defaultView(layout, s.viewport, s.layoutMode));
    set({ view, fitted, hover: hoverAfter(s, view, layout) });
  };

  /** Lays the frames on show out again (mode, size or frames changed), keeping the centre frame in view. */
  const relayout = (patch: Partial<FramescopeState>, refit: boolean) => {
    const before = get();
    const oldLayout = layoutOf(before);
    const p = gridPoint(before.view, before.viewport.width / 2, before.viewport.height / 2);
    const centre = oldLayout.gfnAt(Math.floor(p.x), Math.floor(p.y));
    set(patch);
    const s = get();
    const frames = framesOnShow(s);
    const keep = s.layoutFrames === frames ? s.layoutSpec : null;
    const spec = chooseLayout(s.layoutMode, s.framesPerRow, frames, s.viewport, keep);
    set({ layoutSpec: sameSpec(spec, s.layoutSpec) && keep ? s.layoutSpec : spec, layoutFrames: frames });
    const layout = layoutOf(get());
    if (!hasSize(s.viewport)) return;
    let view: View;
    if (refit || s.fitted) view = defaultView(layout, s.viewport, s.layoutMode);
    else if (centre !== null && centre < frames) view = centerOn(clampView(s.view, layout, s.viewport), layout, s.viewport, centre);
    else view = clampView(s.view, layout, s.viewport);
    set({ view, fitted: refit || s.fitted, hover: hoverAfter(get(), view, layout) });
  };

  return {
    layoutMode: 'fit',
    framesPerRow: DEFAULT_FRAMES_PER_ROW,
    layoutSpec: { kind: 'rows', cols: DEFAULT_FRAMES_PER_ROW },
    layoutFrames: -1,
    shading: 'proportional',
    highlight: null,
    view: { cellPx: 1, originX: 0, originY: 0 },
    fitted: true,
    viewport: { width: 0, height: 0 },
    fitPending: true,
    hover: null,

    setLayoutMode(mode) {
      if (mode === get().layoutMode) return;
      relayout({ layoutMode: mode }, true);
    },

    setFramesPerRow(cols) {
      const s = get();
      if (!Number.isInteger(cols) || cols < 1 || (cols === s.framesPerRow && s.layoutMode === 'aligned')) return;
      relayout({ framesPerRow: cols, layoutMode: 'aligned' }, false);
    },

    setShading(shading: Shading) {
      set({ shading });
    },

    setHighlight(highlight) {
      set({ highlight });
    },

    toggleHighlight(highlight) {
      set({ highlight: sameHighlight(get().highlight, highlight) ? null : highlight });
    },

    stepHighlight(direction) {
      const s = get();
      const buffer = s.frameBuffer();
      const codes = highlightCodes(s.highlight);
      if (!buffer || !codes) return null;
      const gfn = findHighlighted(buffer, codes, s.selectedGfn ?? (direction === 1 ? -1 : buffer.frames), direction);
      if (gfn === null) return null;
      s.revealGfn(gfn, 8);
      s.selectFrame(gfn);
      return gfn;
    },

    setViewport(width, height) {
      const s = get();
      if (s.viewport.width === width && s.viewport.height === height) return;
      const viewport = { width, height };
      if (!hasSize(viewport)) {
        set({ viewport });
        return;
      }
      if (s.fitPending) {
        set({ viewport });
        get().resetView();
        return;
      }
      relayout({ viewport }, false);
    },

    setView(view) {
      move((_, layout, vp) => clampView(view, layout, vp));
    },

    zoomAt(factor, x, y) {
      move((view, layout, vp) => zoomAt(view, factor, x, y, layout, vp));
    },

    zoomBy(factor) {
      const vp = get().viewport;
      get().zoomAt(factor, vp.width / 2, vp.height / 2);
    },

    panBy(dx, dy) {
      move((view, layout, vp) => panBy(view, dx, dy, layout, vp));
    },

    resetView() {
      const s = get();
      if (!hasSize(s.viewport)) {
        set({ fitPending: true });
        return;
      }
      set({ fitPending: false });
      relayout({}, true);
    },

    fit() {
      const s = get();
      // In the fitted modes, fitting also re-chooses the layout for the window as it is now.
      if (s.layoutMode !== 'aligned') {
        relayout({ layoutFrames: -1 }, true);
        return;
      }
      move((_, layout, vp) => fitView(layout, vp));
    },

    fitWidth() {
      move((view, layout, vp) => fitWidthView(view, layout, vp, vp.height / 2));
    },

    revealGfn(gfn, minCellPx = 0) {
      move((view, layout, vp) => revealGfn(view, layout, vp, gfn, minCellPx));
    },

    scrollToStart() {
      move((view, layout, vp) => clampView({ ...view, originX: 0, originY: 0 }, layout, vp));
    },

    scrollToEnd() {
      move((view, layout, vp) => clampView({ ...view, originX: layout.cols, originY: layout.rows }, layout, vp));
    },

    setHover(hover) {
      const old = get().hover;
      if (old === hover || (old && hover && old.gfn === hover.gfn && old.x === hover.x && old.y === hover.y)) return;
      set({ hover });
    },
  };
};
