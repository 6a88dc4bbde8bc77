/**
 * The shape of the renderer's one store, made of four slices. Each slice's actions change
 * state only through `set`; frame codes live in FrameBuffers (outside the store), and the
 * store carries only their version.
 */
import type { StoreApi } from 'zustand/vanilla';

import type {
  DomainInfo,
  FrameRead,
  FramescopeApi,
  HostInfo,
  ScanEvent,
  ScanMode,
  ScanSummary,
} from '../../app/api';
import type { Aggregation } from '../grid/status-pyramid';
import type { GfnRange, View, Viewport } from '../grid/view-math';
import type { CodeCount, FrameBuffer, FrameBuffers, LegendCounts } from './frame-buffer';

export type ConnectionState = 'local' | 'open' | 'closed';

export interface HostSlice {
  /** 'loading' until hostInfo and listDomains answered; 'error' when either failed. */
  hostStatus: 'loading' | 'ready' | 'error';
  hostError: string | null;
  host: HostInfo | null;
  domains: DomainInfo[];
  /** The domain on show (grid, legend, hex view). */
  domainId: number | null;
  /** 'local' in Electron; the WebSocket's state in a browser. */
  connection: ConnectionState;
  init(): Promise<void>;
  refreshDomains(): Promise<void>;
  selectDomain(id: number): void;
  setConnection(state: ConnectionState): void;
  /** The codes buffer of the domain on show, if it has one. */
  frameBuffer(): FrameBuffer | undefined;
}

/**
 * One scan, from the click to its end.
 *  starting: startScan has not answered yet (scanId null);
 *  running:  chunks arrive;
 *  stopping: stopScan was asked, the end event has not come;
 *  done:     the end event came (summary set; summary.cancelled / summary.error say how it ended);
 *  failed:   startScan or stopScan threw, or the connection dropped (error set).
 */
export type ScanPhase = 'starting' | 'running' | 'stopping' | 'done' | 'failed';

export interface ScanRun {
  scanId: string | null;
  domain: number;
  first: number;
  last: number;
  /** Frames in the range. */
  frames: number;
  mode: ScanMode;
  batch: number | null;
  phase: ScanPhase;
  /** Frames with a result so far (the latest chunk's `scanned`). */
  scanned: number;
  elapsedMs: number;
  summary: ScanSummary | null;
  /** Why the scan failed or stopped early, in one line; null while all is well. */
  error: string | null;
  /**
   * The chunks' own tally against summary.counts at the end: null until then, 'ok' when they
   * agree, else what differs.
   */
  countsCheck: 'ok' | string | null;
}

export interface ScanSlice {
  /** What the user typed; empty means the domain's first / last frame. */
  rangeFirstText: string;
  rangeLastText: string;
  scanMode: ScanMode;
  /** Frames per ioctl; null: the backend's default. */
  scanBatch: number | null;
  scan: ScanRun | null;
  /** Version of the domain-on-show's FrameBuffer, bumped by every chunk applied to it. */
  bufferVersion: number;
  /** Legend counts of the domain on show, exact (kept from a 256-bin histogram). */
  counts: LegendCounts;
  /** Invalid codes of the domain on show, most frequent first. */
  invalidCodes: CodeCount[];
  setRangeText(field: 'first' | 'last', text: string): void;
  setScanMode(mode: ScanMode): void;
  setScanBatch(batch: number | null): void;
  /** Scans `range`, or the range typed in (default: the whole domain). */
  startScan(range?: GfnRange): Promise<void>;
  stopScan(): Promise<void>;
  /** Marks every frame of the domain on show as not scanned. */
  clearResults(): void;
  /** Feeds one event from api.onScanEvent; events of other scans are dropped. */
  handleScanEvent(event: ScanEvent): void;
}

export interface HoverInfo {
  gfn: number;
  /** Pointer position in viewport pixels. */
  x: number;
  y: number;
}

export interface ViewSlice {
  framesPerRow: number;
  /** What a zoomed-out pixel shows: its frames' most notable status, or their most common. */
  aggregation: Aggregation;
  view: View;
  /** Size of the grid's viewport in CSS pixels; 0 until laid out. */
  viewport: Viewport;
  /** True when the view should fit the domain as soon as the viewport is known. */
  fitPending: boolean;
  hover: HoverInfo | null;
  setFramesPerRow(cols: number): void;
  setAggregation(aggregation: Aggregation): void;
  setViewport(width: number, height: number): void;
  setView(view: View): void;
  zoomAt(factor: number, x: number, y: number): void;
  zoomBy(factor: number): void;
  panBy(dx: number, dy: number): void;
  /** The domain's first view: all of it, or full rows when all of it would be a sliver. */
  resetView(): void;
  /** The whole domain in view. */
  fit(): void;
  /** Full rows across the viewport. */
  fitWidth(): void;
  /** Brings a frame into view, zoomed in to at least `minCellPx`. */
  revealGfn(gfn: number, minCellPx?: number): void;
  scrollToStart(): void;
  scrollToEnd(): void;
  setHover(hover: HoverInfo | null): void;
}

export type ReadStatus = 'idle' | 'loading' | 'ready' | 'error';

export interface SelectionSlice {
  selectedGfn: number | null;
  /** The selected frame as readFrame last answered, with the mode it was asked in. */
  frameRead: FrameRead | null;
  readMode: ScanMode | null;
  readStatus: ReadStatus;
  readError: string | null;
  /** A box selection waiting for the user to rescan it. */
  boxRange: GfnRange | null;
  selectFrame(gfn: number | null): void;
  /** Reads the selected frame again (retry: keep asking until a paged frame pages in). */
  readSelected(mode: ScanMode): Promise<void>;
  setBoxRange(range: GfnRange | null): void;
  rescanBox(): Promise<void>;
}

export type FramescopeState = HostSlice & ScanSlice & ViewSlice & SelectionSlice;

export type FramescopeStore = StoreApi<FramescopeState>;

/** What every slice creator gets besides set/get. */
export interface StoreDeps {
  api: FramescopeApi;
  buffers: FrameBuffers;
}

export type SliceCreator<T> = (
  set: StoreApi<FramescopeState>['setState'],
  get: StoreApi<FramescopeState>['getState'],
  deps: StoreDeps,
) => T;
