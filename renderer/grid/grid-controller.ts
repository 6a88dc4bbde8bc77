/**
 * Drives the frame grid outside React: sizes the canvases, turns pointer, wheel and keys into
 * store actions, and redraws on the next animation frame whenever the store's view, buffer
 * version, selection or hover change (a transient subscription: no component re-renders for a
 * pan, a zoom or a chunk). Also installs the test and benchmark hooks (window.__framescope).
 */
import { type FrameStatus, statusOf } from '../frame-codes';
import type { FramescopeState, FramescopeStore } from '../store/types';
import { highlightCodes, layoutOf } from '../store/view-slice';
import { Canvas2dGridRenderer } from './canvas2d-renderer';
import { FramePyramid } from './frame-pyramid';
import { type OverlayState, drawOverlay, drawRowLabels, drawRuler, prepare, visibleGfns } from './overlay';
import type { GridRenderer, RendererKind } from './renderer';
import { testProbes } from './test-probes';
import { type Point, boxRange, cellCenter, centerOn, clampView, gfnAtPoint, gridPoint } from './view-math';
import { WebGlGridRenderer } from './webgl-renderer';

/** Draw times kept for gridStats(). */
const FRAME_TIME_SAMPLES = 300;
/** Redraws further apart than this are separate interactions, not one animation. */
const MAX_INTERACTIVE_INTERVAL_MS = 250;
/**
 * A redraw for new data only (a scan's chunk) waits this many times the last draw's length after
 * it: a streaming scan then costs the page at most a quarter of its time in drawing, where one
 * 40 ms draw per chunk took the CPU the scan itself needed. Interaction still draws every frame.
 */
const DATA_REDRAW_BACKOFF = 3;

function keepLast(samples: number[], value: number): void {
  samples.push(value);
  if (samples.length > FRAME_TIME_SAMPLES) samples.splice(0, samples.length - FRAME_TIME_SAMPLES);
}
/** A press that moves less than this is a click, not a drag. */
const CLICK_SLOP_PX = 4;
/** frameToClientPoint zooms in at least this far, so that a click lands on the one frame. */
const MIN_CLICK_CELL_PX = 8;
const WHEEL_ZOOM_PER_PIXEL = 0.0015;
const WHEEL_LINE_PX = 40;
const KEY_ZOOM = 1.5;
const KEY_PAN_FRACTION = 0.15;
const PAGE_FRACTION = 0.9;
const MIN_THUMB_PX = 24;

export interface GridElements {
  viewport: HTMLDivElement;
  canvas: HTMLCanvasElement;
  overlay: HTMLCanvasElement;
  labels: HTMLCanvasElement;
  ruler: HTMLCanvasElement;
  vTrack: HTMLDivElement;
  vThumb: HTMLDivElement;
  hTrack: HTMLDivElement;
  hThumb: HTMLDivElement;
}

/**
 * The hooks tests and benchmarks use, on window.__framescope:
 *  gridStats(): which renderer draws; frameTimes, the last ~300 draw times in ms: main-thread
 *    time of one redraw (pyramid catch-up, texture uploads, the draw call, the overlays and
 *    labels), which is what a pan or zoom costs the page whatever the guest's size; and
 *    dataPending, whether codes arrived that no draw has shown yet;
 *    frameIntervals, the time between consecutive redraws during continuous interaction
 *    (rAF timestamps), which also shows GPU and compositor time: with a software rasterizer
 *    (SwiftShader) the fragment shader's cost lands there, not in frameTimes;
 *  frameToClientPoint(gfn): the centre of the frame's cell in client coordinates, after
 *    scrolling it into view and zooming in to at least 8 px per cell if needed; null when the
 *    domain on show has no such frame;
 *  setView({ zoom, centerGfn }): zoom in CSS pixels per cell (clamped to 1/16 or the fit,
 *    up to 40), and/or the frame to centre;
 *  frameCode(gfn): the code the grid holds for a frame of the domain on show (255: not
 *    scanned), or null past its end; findFrame(status, from?) the first gfn >= from with that
 *    status, or null: for tests that need a paged or an invalid frame to click;
 *  changedFrame(from?): the first gfn >= from marked as changed in the codes on show, or null;
 *  timelinePoint(index): the client position of the timeline's point (of the domain on show),
 *    null when the timeline is closed or has no such point; -1 is the latest.
 */
export interface FramescopeTestHooks {
  gridStats(): {
    renderer: RendererKind;
    frameTimes: number[];
    frameIntervals: number[];
    /** Pyramid level of the last draw (0: one cell per frame; k: blocks of 2^k x 2^k frames). */
    level: number;
    cellPx: number;
    frames: number;
    draws: number;
    /** The WebGL renderer string ("" for the 2D canvas). */
    glRenderer: string;
    /** Whether the codes have changed since the last draw (a data redraw is waiting). */
    dataPending: boolean;
  };
  frameToClientPoint(gfn: number): { x: number; y: number } | null;
  setView(options: { zoom?: number; centerGfn?: number }): void;
  frameCode(gfn: number): number | null;
  findFrame(status: FrameStatus, from?: number): number | null;
  changedFrame(from?: number): number | null;
  timelinePoint(index: number): { x: number; y: number } | null;
}

declare global {
  interface Window {
    __framescope?: FramescopeTestHooks;
  }
}

/** Renderer names of software rasterizers, on which the 2D canvas path is faster than WebGL. */
const SOFTWARE_GL = /swiftshader|llvmpipe|softpipe|software|basic render/i;

/** True when WebGL2 here runs on the CPU (probed on a throwaway canvas). */
export function isSoftwareWebGl(): boolean {
  const gl = document.createElement('canvas').getContext('webgl2');
  if (!gl) return false;
  const info = gl.getExtension('WEBGL_debug_renderer_info');
  const name = String(gl.getParameter(info ? info.UNMASKED_RENDERER_WEBGL : gl.RENDERER) ?? '');
  gl.getExtension('WEBGL_lose_context')?.loseContext();
  return SOFTWARE_GL.test(name);
}

/**
 * The renderer to draw with: WebGL2 on a real GPU; the 2D canvas when WebGL2 is a software
 * rasterizer (SwiftShader, llvmpipe), where a full-screen fragment pass costs ~30 ms a frame
 * and the 2D path ~5 ms (BENCHMARKS.md). ?renderer=webgl2 or ?renderer=2d forces either.
 */
export function preferredRenderer(search: string): RendererKind {
  const asked = new URLSearchParams(search).get('renderer');
  if (asked === '2d' || asked === 'webgl2') return asked;
  return isSoftwareWebGl() ? '2d' : 'webgl2';
}

/** WebGL2 unless it is unavailable or `prefer` says 2D. */
export function createRenderer(canvas: HTMLCanvasElement, prefer: RendererKind): GridRenderer {
  if (prefer === 'webgl2') {
    const gl = WebGlGridRenderer.create(canvas);
    if (gl) return gl;
  }
  const r2d = Canvas2dGridRenderer.create(canvas);
  if (!r2d) throw new Error('this canvas supports neither WebGL2 nor 2D drawing');
  return r2d;
}

type GridEventMap = HTMLElementEventMap & { webglcontextlost: Event; webglcontextrestored: Event };

type Drag =
  | { kind: 'pan'; pointerId: number; start: Point; last: Point; moved: boolean }
  | { kind: 'box'; pointerId: number; start: Point; last: Point }
  | { kind: 'thumb'; pointerId: number; axis: 'x' | 'y'; last: number };

export class GridController {
  private renderer: GridRenderer;
  private pyramid: FramePyramid | null = null;
  /** The highlight the pyramid's set was made from. */
  private highlightOf: FramescopeState['highlight'] = null;
  private unsubscribeBuffer: (() => void) | null = null;
  private readonly cleanups: Array<() => void> = [];
  private raf = 0;
  private drag: Drag | null = null;
  private readonly frameTimes: number[] = [];
  private readonly frameIntervals: number[] = [];
  private lastDrawAt = 0;
  /** Data-only redraws wait until then (see DATA_REDRAW_BACKOFF). */
  private nextDataDrawAt = 0;
  private dataTimer: ReturnType<typeof setTimeout> | null = null;
  /** bufferVersion at the last draw: a chunk is on screen once this reaches it. */
  private drawnBufferVersion = -1;
  private draws = 0;
  private contextLost = false;
  /** What this controller put on window.__framescope, so that dispose removes only its own. */
  private installedHooks: FramescopeTestHooks | null = null;

  constructor(private readonly store: FramescopeStore, private readonly el: GridElements, prefer: RendererKind) {
    this.renderer = createRenderer(el.canvas, prefer);
    el.canvas.dataset.renderer = this.renderer.kind;

    this.cleanups.push(store.subscribe((s, prev) => {
      const runEnded = s.scan?.phase === 'done' && prev.scan?.phase !== 'done';
      if (
        runEnded || s.view !== prev.view || s.viewport !== prev.viewport ||
        s.domainId !== prev.domainId || s.layoutSpec !== prev.layoutSpec || s.shading !== prev.shading || s.highlight !== prev.highlight ||
        s.selectedGfn !== prev.selectedGfn ||
        s.hover !== prev.hover || s.boxRange !== prev.boxRange || s.pastView !== prev.pastView ||
        s.search !== prev.search
      ) this.schedule();
      else if (s.bufferVersion !== prev.bufferVersion || s.hitsVersion !== prev.hitsVersion) this.scheduleDataDraw();
    }));
    this.cleanups.push(() => {
      if (this.dataTimer) clearTimeout(this.dataTimer);
    });

    const resize = new ResizeObserver(() => this.resize());
    resize.observe(el.viewport);
    this.cleanups.push(() => resize.disconnect());

    this.listen(el.viewport, 'wheel', this.onWheel, { passive: false });
    this.listen(el.viewport, 'pointerdown', this.onPointerDown);
    this.listen(el.viewport, 'pointermove', this.onPointerMove);
    this.listen(el.viewport, 'pointerup', this.onPointerUp);
    this.listen(el.viewport, 'pointercancel', this.onPointerCancel);
    this.listen(el.viewport, 'pointerleave', () => { if (!this.drag) this.state().setHover(null); });
    this.listen(el.viewport, 'dblclick', this.onDoubleClick);
    this.listen(el.viewport, 'keydown', this.onKeyDown);
    for (const [track, thumb, axis] of [[el.vTrack, el.vThumb, 'y'], [el.hTrack, el.hThumb, 'x']] as const) {
      this.listen(thumb, 'pointerdown', (e) => this.onThumbDown(e, axis));
      this.listen(track, 'pointerdown', (e) => this.onTrackDown(e, axis));
      this.listen(thumb, 'pointermove', this.onPointerMove);
      this.listen(thumb, 'pointerup', this.onPointerUp);
    }
    this.listen(el.canvas, 'webglcontextlost', (e) => {
      e.preventDefault();
      this.contextLost = true;
    });
    this.listen(el.canvas, 'webglcontextrestored', () => {
      this.contextLost = false;
      this.renderer = createRenderer(el.canvas, 'webgl2');
      this.pyramid = null;
      this.schedule();
    });

    window.__framescope = this.hooks();
    this.cleanups.push(() => {
      if (window.__framescope && window.__framescope === this.installedHooks) delete window.__framescope;
    });
    this.resize();
  }

  get rendererKind(): RendererKind {
    return this.renderer.kind;
  }

  dispose(): void {
    cancelAnimationFrame(this.raf);
    for (const c of this.cleanups.splice(0)) c();
    this.unsubscribeBuffer?.();
    this.renderer.dispose();
  }

  private hooks(): FramescopeTestHooks {
    const hooks: FramescopeTestHooks = {
      gridStats: () => ({
        renderer: this.renderer.kind,
        frameTimes: [...this.frameTimes],
        frameIntervals: [...this.frameIntervals],
        level: this.renderer.lastLevel,
        cellPx: this.state().view.cellPx,
        frames: this.state().frameBuffer()?.frames ?? 0,
        draws: this.draws,
        glRenderer: this.renderer instanceof WebGlGridRenderer ? this.renderer.rendererName() : '',
        dataPending: this.drawnBufferVersion !== this.state().bufferVersion,
      }),
      frameToClientPoint: (gfn) => {
        const s = this.state();
        const layout = layoutOf(s);
        if (!Number.isInteger(gfn) || gfn < 0 || gfn >= layout.frames) return null;
        s.revealGfn(gfn, MIN_CLICK_CELL_PX);
        const c = cellCenter(this.state().view, layout, gfn);
        const rect = this.el.viewport.getBoundingClientRect();
        return { x: rect.left + c.x, y: rect.top + c.y };
      },
      setView: ({ zoom, centerGfn }) => {
        const s = this.state();
        const layout = layoutOf(s);
        let view = clampView({ ...s.view, cellPx: zoom ?? s.view.cellPx }, layout, s.viewport);
        if (centerGfn !== undefined) view = centerOn(view, layout, s.viewport, centerGfn);
        s.setView(view);
      },
      frameCode: (gfn) => this.state().frameBuffer()?.codeAt(gfn) ?? null,
      findFrame: (status, from = 0) => {
        const codes = this.state().frameBuffer()?.codes;
        if (!codes) return null;
        for (let gfn = Math.max(0, from); gfn < codes.length; gfn++) if (statusOf(codes[gfn]) === status) return gfn;
        return null;
      },
      changedFrame: (from = 0) => this.state().frameBuffer()?.marks.nextMarked(from) ?? null,
      timelinePoint: (index) => testProbes.timelinePoint?.(index) ?? null,
    };
    this.installedHooks = hooks;
    return hooks;
  }

  private state(): FramescopeState {
    return this.store.getState();
  }

  private listen<K extends keyof GridEventMap>(target: HTMLElement, type: K,
    handler: (e: GridEventMap[K]) => void, options?: AddEventListenerOptions): void {
    const listener = handler as EventListener;
    target.addEventListener(type, listener, options);
    this.cleanups.push(() => target.removeEventListener(type, listener, options));
  }

  private schedule(): void {
    if (!this.raf) this.raf = requestAnimationFrame(this.draw);
  }

  /** A redraw for new data: at once when the last draw was long enough ago, else when it is. */
  private scheduleDataDraw(): void {
    if (this.raf || this.dataTimer) return;
    const wait = this.nextDataDrawAt - performance.now();
    if (wait <= 0) {
      this.schedule();
      return;
    }
    this.dataTimer = setTimeout(() => {
      this.dataTimer = null;
      this.schedule();
    }, wait);
  }

  private resize(): void {
    const r = this.el.viewport.getBoundingClientRect();
    this.state().setViewport(Math.floor(r.width), Math.floor(r.height));
    this.schedule();
  }

  /** The pyramid of the codes on show in the layout on show, rebuilt when either changes. */
  private currentPyramid(s: FramescopeState): FramePyramid | null {
    const buffer = s.frameBuffer();
    if (!buffer || buffer.frames === 0) {
      this.unsubscribeBuffer?.();
      this.unsubscribeBuffer = null;
      this.pyramid = null;
      return null;
    }
    const layout = layoutOf(s);
    let pyramid = this.pyramid;
    if (!pyramid?.matches(buffer, layout.spec)) {
      this.unsubscribeBuffer?.();
      // let the old levels go before the new are made: at 2^30 frames each is ~500 MB
      this.pyramid = null;
      const fresh = new FramePyramid(buffer, layout);
      this.unsubscribeBuffer = buffer.onChange((first, last) => {
        if (fresh.matches(buffer, fresh.spec)) fresh.update(first, last);
      });
      pyramid = this.pyramid = fresh;
      this.highlightOf = null;
    }
    if (s.highlight !== this.highlightOf) {
      this.highlightOf = s.highlight;
      pyramid.setHighlight(highlightCodes(s.highlight));
    }
    return pyramid;
  }

  private readonly draw = (frameTime: number) => {
    this.raf = 0;
    if (this.dataTimer) {
      clearTimeout(this.dataTimer); // this draw shows the data it waited for
      this.dataTimer = null;
    }
    if (this.contextLost) return;
    const t0 = performance.now();
    // Redraws in back-to-back animation frames: an interaction in progress.
    if (this.lastDrawAt > 0 && frameTime - this.lastDrawAt < MAX_INTERACTIVE_INTERVAL_MS) {
      keepLast(this.frameIntervals, frameTime - this.lastDrawAt);
    }
    this.lastDrawAt = frameTime;
    const s = this.state();
    const { width, height } = s.viewport;
    const dpr = window.devicePixelRatio || 1;
    const devW = Math.max(1, Math.round(width * dpr));
    const devH = Math.max(1, Math.round(height * dpr));
    const { canvas } = this.el;
    if (canvas.width !== devW) canvas.width = devW;
    if (canvas.height !== devH) canvas.height = devH;
    const pyramid = this.currentPyramid(s);
    const geom = pyramid?.layout ?? layoutOf(s);
    if (pyramid && width > 0 && height > 0) {
      this.renderer.draw({ pyramid, view: s.view, dpr, width: devW, height: devH, range: s.boxRange, shading: s.shading });
    } else {
      this.renderer.clear(devW, devH);
    }

    const overlay = prepare(this.el.overlay, width, height, dpr);
    const box = this.drag?.kind === 'box' ? { from: this.drag.start, to: this.drag.last } : null;
    const overlayState: OverlayState = { selectedGfn: s.selectedGfn, hoverGfn: this.drag ? null : (s.hover?.gfn ?? null), box, hits: this.hitsInView(s, height) };
    if (overlay && pyramid) drawOverlay(overlay, s.view, geom, width, height, overlayState);
    const labelRect = this.el.labels.getBoundingClientRect();
    const labels = prepare(this.el.labels, labelRect.width, labelRect.height, dpr);
    if (labels && pyramid) drawRowLabels(labels, s.view, geom, labelRect.width, labelRect.height);
    const rulerRect = this.el.ruler.getBoundingClientRect();
    const ruler = prepare(this.el.ruler, rulerRect.width, rulerRect.height, dpr);
    if (ruler && pyramid) drawRuler(ruler, s.view, geom, rulerRect.width, rulerRect.height);
    this.updateScrollbars(s);

    this.draws++;
    this.drawnBufferVersion = s.bufferVersion;
    const end = performance.now();
    keepLast(this.frameTimes, end - t0);
    this.nextDataDrawAt = end + DATA_REDRAW_BACKOFF * (end - t0);
  };

  /** Frames with search hits in view, when the search was of the domain on show. */
  private hitsInView(s: FramescopeState, height: number): readonly number[] {
    const shownDomain = s.pastView ? s.pastView.record.domain : s.domainId;
    if (!s.search || s.search.domain !== shownDomain || s.searchHits().count === 0) return [];
    const layout = layoutOf(s);
    const { first, last } = visibleGfns(s.view, layout, height);
    return s.searchHits().inRange(first, last);
  }

  private updateScrollbars(s: FramescopeState): void {
    const geom = layoutOf(s);
    const place = (track: HTMLDivElement, thumb: HTMLDivElement, cells: number, visible: number, origin: number, axis: 'x' | 'y') => {
      const length = axis === 'y' ? track.clientHeight : track.clientWidth;
      const hidden = cells <= visible + 1e-9 || length <= 0;
      track.classList.toggle('is-hidden', hidden);
      if (hidden) return;
      const size = Math.max(MIN_THUMB_PX, (length * visible) / cells);
      const pos = ((length - size) * origin) / (cells - visible);
      thumb.style[axis === 'y' ? 'height' : 'width'] = `${size}px`;
      thumb.style.transform = axis === 'y' ? `translateY(${pos}px)` : `translateX(${pos}px)`;
    };
    place(this.el.vTrack, this.el.vThumb, geom.rows, s.viewport.height / s.view.cellPx, s.view.originY, 'y');
    place(this.el.hTrack, this.el.hThumb, geom.cols, s.viewport.width / s.view.cellPx, s.view.originX, 'x');
  }

  private local(e: MouseEvent): Point {
    const r = this.el.viewport.getBoundingClientRect();
    return { x: e.clientX - r.left, y: e.clientY - r.top };
  }

  private readonly onWheel = (e: WheelEvent) => {
    e.preventDefault();
    const p = this.local(e);
    const unit = e.deltaMode === 1 ? WHEEL_LINE_PX : e.deltaMode === 2 ? this.state().viewport.height : 1;
    const dy = e.deltaY * unit;
    if (e.shiftKey && !e.ctrlKey) {
      this.state().panBy(-dy, 0);
      return;
    }
    this.state().zoomAt(Math.exp(-dy * WHEEL_ZOOM_PER_PIXEL * (e.ctrlKey ? 4 : 1)), p.x, p.y);
    this.hoverAt(p);
  };

  private readonly onPointerDown = (e: PointerEvent) => {
    // Presses on what floats over the grid (the box prompt, messages) are theirs, not the grid's.
    if (e.button !== 0 || this.drag || e.target !== this.el.canvas) return;
    this.el.viewport.focus({ preventScroll: true });
    const p = this.local(e);
    this.el.viewport.setPointerCapture(e.pointerId);
    this.drag = e.shiftKey
      ? { kind: 'box', pointerId: e.pointerId, start: p, last: p }
      : { kind: 'pan', pointerId: e.pointerId, start: p, last: p, moved: false };
    this.el.viewport.classList.toggle('is-boxing', e.shiftKey);
    this.state().setHover(null);
    e.preventDefault();
  };

  private readonly onPointerMove = (e: PointerEvent) => {
    const drag = this.drag;
    if (!drag) {
      this.hoverAt(this.local(e));
      return;
    }
    if (drag.pointerId !== e.pointerId) return;
    if (drag.kind === 'thumb') {
      const pos = drag.axis === 'y' ? e.clientY : e.clientX;
      this.dragThumb(drag.axis, pos - drag.last);
      drag.last = pos;
      return;
    }
    const p = this.local(e);
    if (drag.kind === 'pan') {
      if (!drag.moved && Math.hypot(p.x - drag.start.x, p.y - drag.start.y) < CLICK_SLOP_PX) return;
      if (!drag.moved) this.el.viewport.classList.add('is-panning');
      drag.moved = true;
      this.state().panBy(p.x - drag.last.x, p.y - drag.last.y);
    }
    drag.last = p;
    if (drag.kind === 'box') this.schedule();
  };

  private readonly onPointerUp = (e: PointerEvent) => {
    const drag = this.drag;
    if (!drag || drag.pointerId !== e.pointerId) return;
    this.drag = null;
    this.el.viewport.classList.remove('is-panning', 'is-boxing');
    const s = this.state();
    if (drag.kind === 'pan' && !drag.moved) {
      const p = this.local(e);
      const gfn = gfnAtPoint(s.view, layoutOf(s), p.x, p.y);
      if (gfn !== null) s.selectFrame(gfn);
      this.hoverAt(p);
    } else if (drag.kind === 'box') {
      const range = boxRange(layoutOf(s), gridPoint(s.view, drag.start.x, drag.start.y), gridPoint(s.view, drag.last.x, drag.last.y));
      s.setBoxRange(range);
    }
    this.schedule();
  };

  private readonly onPointerCancel = () => {
    this.drag = null;
    this.el.viewport.classList.remove('is-panning', 'is-boxing');
    this.schedule();
  };

  private readonly onDoubleClick = (e: MouseEvent) => {
    if (e.target !== this.el.canvas) return;
    const p = this.local(e);
    this.state().zoomAt(e.shiftKey ? 1 / 2 : 2, p.x, p.y);
  };

  private hoverAt(p: Point): void {
    const s = this.state();
    const gfn = gfnAtPoint(s.view, layoutOf(s), p.x, p.y);
    s.setHover(gfn === null ? null : { gfn, x: p.x, y: p.y });
  }

  private readonly onKeyDown = (e: KeyboardEvent) => {
    if (e.altKey || e.metaKey || (e.ctrlKey && e.key !== '0')) return;
    const s = this.state();
    const { width, height } = s.viewport;
    const handled = (() => {
      switch (e.key) {
        case 'ArrowLeft': s.panBy(width * KEY_PAN_FRACTION, 0); return true;
        case 'ArrowRight': s.panBy(-width * KEY_PAN_FRACTION, 0); return true;
        case 'ArrowUp': s.panBy(0, height * KEY_PAN_FRACTION); return true;
        case 'ArrowDown': s.panBy(0, -height * KEY_PAN_FRACTION); return true;
        case 'PageUp': s.panBy(0, height * PAGE_FRACTION); return true;
        case 'PageDown': s.panBy(0, -height * PAGE_FRACTION); return true;
        case 'Home': s.scrollToStart(); return true;
        case 'End': s.scrollToEnd(); return true;
        case '+': case '=': s.zoomBy(KEY_ZOOM); return true;
        case '-': case '_': s.zoomBy(1 / KEY_ZOOM); return true;
        case '0': case 'f': case 'F': s.fit(); return true;
        case 'w': case 'W': s.fitWidth(); return true;
        // Enter, Escape and the Ctrl shortcuts are the page's (ui/keyboard.ts), wherever the focus is.
        default: return false;
      }
    })();
    if (handled) e.preventDefault();
  };

  private onThumbDown(e: PointerEvent, axis: 'x' | 'y'): void {
    if (e.button !== 0) return;
    e.stopPropagation();
    e.preventDefault();
    (e.currentTarget as HTMLElement).setPointerCapture(e.pointerId);
    this.drag = { kind: 'thumb', pointerId: e.pointerId, axis, last: axis === 'y' ? e.clientY : e.clientX };
  }

  /** A click on the track pages toward it. */
  private onTrackDown(e: PointerEvent, axis: 'x' | 'y'): void {
    if (e.button !== 0 || e.target !== e.currentTarget) return;
    const thumb = (axis === 'y' ? this.el.vThumb : this.el.hThumb).getBoundingClientRect();
    const s = this.state();
    const before = axis === 'y' ? e.clientY < thumb.top : e.clientX < thumb.left;
    const page = (axis === 'y' ? s.viewport.height : s.viewport.width) * PAGE_FRACTION * (before ? 1 : -1);
    if (axis === 'y') s.panBy(0, page);
    else s.panBy(page, 0);
  }

  /** Moves the view as dragging the thumb by `delta` pixels should. */
  private dragThumb(axis: 'x' | 'y', delta: number): void {
    const s = this.state();
    const geom = layoutOf(s);
    const track = axis === 'y' ? this.el.vTrack : this.el.hTrack;
    const thumb = axis === 'y' ? this.el.vThumb : this.el.hThumb;
    const length = axis === 'y' ? track.clientHeight : track.clientWidth;
    const size = axis === 'y' ? thumb.offsetHeight : thumb.offsetWidth;
    const cells = axis === 'y' ? geom.rows : geom.cols;
    const visible = (axis === 'y' ? s.viewport.height : s.viewport.width) / s.view.cellPx;
    if (length <= size) return;
    const cellsPerPx = (cells - visible) / (length - size);
    const pixels = delta * cellsPerPx * s.view.cellPx;
    if (axis === 'y') s.panBy(0, -pixels);
    else s.panBy(-pixels, 0);
  }
}
