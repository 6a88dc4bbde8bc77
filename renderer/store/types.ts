/**
 * The shape of the renderer's one store, made of slices. Each slice's actions change state
 * only through `set`; frame codes, change marks, the frames' history, the timeline and the
 * search hits live in plain objects outside the store (StoreDeps), and the store carries
 * only their versions.
 */
import type { StoreApi } from 'zustand/vanilla';

import type {
  DiffResult,
  DomainInfo,
  ExportFormat,
  FrameRead,
  FramescopeApi,
  HostInfo,
  InspectorEvent,
  PrivcmdAbiName,
  ScanEvent,
  ScanMode,
  ScanRecordInfo,
  ScanSummary,
  SearchSummary,
} from '../../app/api';
import type { FrameStatus } from '../frame-codes';
import type { Shading } from '../grid/frame-pyramid';
import type { LayoutSpec } from '../grid/layout';
import type { GfnRange, View, Viewport } from '../grid/view-math';
import type { ChangeCounts } from './change-marks';
import type { CodeCount, FrameBuffer, FrameBuffers, LegendCounts } from './frame-buffer';
import type { FrameHistory, Transition } from './frame-history';
import type { SearchHits } from './search-hits';
import type { Timeline, TimelineSeries } from './timeline';

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
  /** What is inspected changed (a dump opened, or back to the host): start over on it. */
  handleSourceChanged(host: HostInfo): Promise<void>;
  /** The codes on show: a past scan, snapshot or diff when one is on show, else the live domain's. */
  frameBuffer(): FrameBuffer | undefined;
  /** The live codes of the domain on show, whatever the grid shows. */
  liveBuffer(): FrameBuffer | undefined;
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

/** A scan, or a page-in (which runs like a scan: chunks, an end, stopScan stops it). */
export type RunKind = 'scan' | 'page-in';

export interface ScanRun {
  kind: RunKind;
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
  /** The privcmd ioctl every mapping call asks for; null: auto (V2, V1 where the kernel lacks it). */
  scanAbi: PrivcmdAbiName | null;
  scan: ScanRun | null;
  /** Version of the domain-on-show's FrameBuffer, bumped by every chunk applied to it. */
  bufferVersion: number;
  /** Legend counts of the domain on show, exact (kept from a 256-bin histogram). */
  counts: LegendCounts;
  /** Invalid codes of the domain on show, most frequent first. */
  invalidCodes: CodeCount[];
  /** Frames of the codes on show marked as changed, by transition. */
  changes: ChangeCounts;
  /** The latest finished scan or page-in of each domain (what Save and Export take). */
  lastScanIds: Record<number, string>;
  /** The latest finished run of each domain, as the progress line shows it. */
  lastRuns: Record<number, ScanRun>;
  setRangeText(field: 'first' | 'last', text: string): void;
  setScanMode(mode: ScanMode): void;
  setScanBatch(batch: number | null): void;
  setScanAbi(abi: PrivcmdAbiName | null): void;
  /** Scans `range`, or the range typed in (default: the whole domain); false when none started. */
  startScan(range?: GfnRange): Promise<boolean>;
  /** Pages in `range`, else the box selection, else the range typed in; false when none started. */
  startPageIn(range?: GfnRange): Promise<boolean>;
  /** Enter / F5: the box selection if there is one, else the range typed in. */
  rescan(): Promise<boolean>;
  stopScan(): Promise<void>;
  /** Marks every frame of the domain on show as not scanned. */
  clearResults(): void;
  /** Feeds one event from api.onEvent; events of other scans are dropped. */
  handleScanEvent(event: ScanEvent): void;
}

/** Rescans over time: the auto-rescan loop, the frames' history and the timeline. */
export interface LiveSlice {
  autoRescan: boolean;
  /** Pause between the end of one rescan and the start of the next. */
  autoRescanMs: number;
  /** When the next auto-rescan is due (ms since the epoch); null while none is waiting. */
  nextRescanAt: number | null;
  /** Bumped when a frame's history gains transitions. */
  historyVersion: number;
  /** Bumped when the timeline gains a point. */
  timelineVersion: number;
  setAutoRescan(on: boolean): void;
  toggleAutoRescan(): void;
  setAutoRescanInterval(ms: number): void;
  /** Called when a run ends or fails to start: plans the next auto-rescan. */
  scheduleAutoRescan(): void;
  /** The last transitions of a frame of the domain on show, oldest first. */
  frameHistory(gfn: number): readonly Transition[];
  /** The timeline of the domain on show. */
  timelineSeries(): TimelineSeries;
}

export type SearchKind = 'ascii' | 'utf16le' | 'hex';

/** One search, from the click to its end (phases as for scans). */
export interface SearchRun {
  searchId: string | null;
  domain: number;
  first: number;
  last: number;
  /** The bytes searched for, as hex (from SearchStarted). */
  pattern: string;
  phase: ScanPhase;
  /** Frames searched so far, of `frames`. */
  scanned: number;
  frames: number;
  hits: number;
  summary: SearchSummary | null;
  error: string | null;
}

/** Where the hex view should scroll to and what it should highlight (a search hit). */
export interface HexHighlight {
  gfn: number;
  offset: number;
  length: number;
}

export interface SearchSlice {
  searchText: string;
  searchKind: SearchKind;
  searchFirstText: string;
  searchLastText: string;
  search: SearchRun | null;
  /** Bumped when hits arrive. */
  hitsVersion: number;
  hexHighlight: HexHighlight | null;
  setSearchText(text: string): void;
  setSearchKind(kind: SearchKind): void;
  setSearchRange(field: 'first' | 'last', text: string): void;
  /** The query as the API wants it, or why it cannot be sent. */
  searchQuery(): { ok: true; hex?: string; text?: string; encoding?: 'ascii' | 'utf16le'; first?: number; last?: number } | { ok: false; error: string };
  startSearch(): Promise<boolean>;
  stopSearch(): Promise<void>;
  handleSearchEvent(event: Extract<InspectorEvent, { type: 'search-hits' | 'search-end' }>): void;
  /** The hits of the current search (a plain object: read it when hitsVersion changes). */
  searchHits(): SearchHits;
  /** Selects the hit's frame and opens the hex view on the match. */
  showHit(index: number): void;
  clearSearch(): void;
}

/** A diff on show: DiffResult without its mask (decoded into the past buffer's marks). */
export type DiffView = Omit<DiffResult, 'changedMask'>;

/** A finished scan, snapshot or diff the grid shows instead of the live codes. */
export interface PastView {
  kind: 'scan' | 'page-in' | 'snapshot' | 'diff';
  /** The record on show (for a diff, its `b` side, whose codes are shown). */
  record: ScanRecordInfo;
  diff: DiffView | null;
}

/** Snapshots, diffs, exports and past scans on show. */
export interface FilesSlice {
  pastView: PastView | null;
  /** The session's scans and snapshots, as listScans last answered. */
  records: ScanRecordInfo[];
  /** What a file operation is doing, for a busy indicator; null when idle. */
  busy: string | null;
  loadRecords(): Promise<void>;
  /** Shows a finished scan (or snapshot) of the session on the grid. */
  showRecord(scanId: string): Promise<boolean>;
  /** Back to the live codes of the domain on show. */
  backToLive(): void;
  importSnapshot(fileName: string, bytes: Uint8Array): Promise<boolean>;
  diff(a: string, b: string): Promise<boolean>;
  /** The scan Save and Export take: the one on show, else the latest of the domain on show. */
  scanOnShow(): string | null;
  /** Exports the scan on show and saves the file (a download, or a native dialog). */
  exportScan(format: ExportFormat): Promise<boolean>;
  /** Saves bytes made here (a PNG) the same way. */
  saveBytes(fileName: string, bytes: Uint8Array, mime: string, what: string): Promise<boolean>;
}

export type NoticeKind = 'info' | 'error';

export interface Notice {
  id: number;
  kind: NoticeKind;
  text: string;
}

export type DialogName = 'diff' | 'shortcuts';

/** Which panels and dialogs are open, and the messages shown to the user. */
export interface UiSlice {
  timelineOpen: boolean;
  searchOpen: boolean;
  /** The regions table (runs of the codes on show); its runs are computed only while it is open. */
  regionsOpen: boolean;
  dialog: DialogName | null;
  notices: Notice[];
  setTimelineOpen(open: boolean): void;
  setSearchOpen(open: boolean): void;
  setRegionsOpen(open: boolean): void;
  openDialog(dialog: DialogName | null): void;
  notify(kind: NoticeKind, text: string): void;
  dismissNotice(id: number): void;
}

export interface HoverInfo {
  gfn: number;
  /** Pointer position in viewport pixels. */
  x: number;
  y: number;
}

/**
 * How the frames are laid out: fit (rows as wide as makes the guest fill the window, re-fitted
 * on resize), aligned (framesPerRow frames a row, for reading addresses) or hilbert (along a
 * Hilbert curve, which keeps neighbouring frames neighbours at every zoom).
 */
export type LayoutMode = 'fit' | 'aligned' | 'hilbert';

/** Frames the legend highlights (the rest are dimmed): one status, or one exact code. */
export type Highlight = { kind: 'status'; status: FrameStatus } | { kind: 'code'; code: number };

export interface ViewSlice {
  layoutMode: LayoutMode;
  /** Frames per row of the aligned layout. */
  framesPerRow: number;
  /** The layout on show, as chosen for `layoutFrames` frames (see layoutOf in view-slice.ts). */
  layoutSpec: LayoutSpec;
  layoutFrames: number;
  /** How a pixel holding several frames is coloured: their proportions, or their most notable code. */
  shading: Shading;
  highlight: Highlight | null;
  view: View;
  /** True while the view shows the whole guest as fitted: a resize fits it again. */
  fitted: boolean;
  /** Size of the grid's viewport in CSS pixels; 0 until laid out. */
  viewport: Viewport;
  /** True when the view should fit the domain as soon as the viewport is known. */
  fitPending: boolean;
  hover: HoverInfo | null;
  setLayoutMode(mode: LayoutMode): void;
  /** Aligned rows of `cols` frames. */
  setFramesPerRow(cols: number): void;
  setShading(shading: Shading): void;
  setHighlight(highlight: Highlight | null): void;
  /** Sets the highlight, or clears it when it is already on (the legend's buttons). */
  toggleHighlight(highlight: Highlight): void;
  /** Selects and shows the next (1) or previous (-1) highlighted frame; null when there is none. */
  stepHighlight(direction: 1 | -1): number | null;
  setViewport(width: number, height: number): void;
  setView(view: View): void;
  zoomAt(factor: number, x: number, y: number): void;
  zoomBy(factor: number): void;
  panBy(dx: number, dy: number): void;
  /** The domain's first view: laid out afresh, and all of it in view. */
  resetView(): void;
  /** The whole domain in view (in the fitted modes, laid out afresh for the window). */
  fit(): void;
  /** Full rows across the viewport. */
  fitWidth(): void;
  /** Brings a frame into view, zoomed in to at least `minCellPx`. */
  revealGfn(gfn: number, minCellPx?: number): void;
  scrollToStart(): void;
  scrollToEnd(): void;
  setHover(hover: HoverInfo | null): void;
}

/** 'unavailable': no frame to read (a snapshot of a domain that is not on what is inspected now). */
export type ReadStatus = 'idle' | 'loading' | 'ready' | 'error' | 'unavailable';

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

export type FramescopeState = HostSlice & ScanSlice & LiveSlice & ViewSlice & SelectionSlice & SearchSlice & FilesSlice & UiSlice;

export type FramescopeStore = StoreApi<FramescopeState>;

/** Where exported files go: a download in a browser, a native save dialog in the desktop app. */
export interface FileSink {
  /** The path or name saved to, or null when the user cancelled. */
  save(file: { fileName: string; bytes: Uint8Array; mime: string }): Promise<string | null>;
}

/** Time, replaceable in tests. */
export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** What every slice creator gets besides set/get: the API and the big data kept out of the store. */
export interface StoreDeps {
  api: FramescopeApi;
  buffers: FrameBuffers;
  /** The codes of the past scan, snapshot or diff on show (FilesSlice.pastView). */
  past: { buffer: FrameBuffer | null };
  history: FrameHistory;
  timeline: Timeline;
  hits: SearchHits;
  files: FileSink;
  clock: Clock;
}

export type SliceCreator<T> = (
  set: StoreApi<FramescopeState>['setState'],
  get: StoreApi<FramescopeState>['getState'],
  deps: StoreDeps,
) => T;
