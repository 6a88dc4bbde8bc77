/**
 * The regions table, VMMap-like: the runs of equal codes of what the grid shows (or, of a
 * diff, its runs of changed frames), filtered by status, errno or change, sorted by gfn, size
 * or status. A million rows scroll because only the visible ones are rendered (fixed row
 * height, one spacer); a click shows the run on the grid, box-selected, ready to rescan.
 */
import { useEffect, useMemo, useRef, useState, type CSSProperties } from 'react';

import { FRAME_STATUSES, STATUS_LABELS, type FrameStatus, codeNameOf, statusOf } from '../frame-codes';
import { PAGE_SIZE, formatBytes, formatCount, formatGfn, gfnDigits } from '../format';
import { codeColor } from '../grid/palette';
import { useFs } from '../store/react';
import {
  type Region,
  type RegionFilter,
  type RegionRuns,
  type RegionSort,
  REGIONS_LIMIT,
  RegionsUpdater,
  regionAt,
  sortRegions,
} from '../store/regions';
import type { Clock } from '../store/types';
import './regions.css';

/** Row height in CSS px: fixed, so that row i sits at i * ROW_PX and only visible rows render. */
const ROW_PX = 20;
/** Rows rendered beyond each edge of the view, so a fast scroll shows no gap. */
const OVERSCAN = 10;

/** The colour of a code's swatch; per status today, one place to change if codes get their own. */
export function regionColor(code: number): string {
  return codeColor(code);
}

const PAGE_CLOCK: Clock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => window.setTimeout(fn, ms),
  clearTimeout: (handle) => window.clearTimeout(handle as number),
};

/** The runs of the codes on show, kept up to date (see RegionsUpdater) while mounted. */
function useRegionRuns(filter: RegionFilter): { runs: RegionRuns | null; busy: boolean } {
  const buffer = useFs((s) => s.frameBuffer() ?? null);
  const version = useFs((s) => s.bufferVersion);
  const [runs, setRuns] = useState<RegionRuns | null>(null);
  const [busy, setBusy] = useState(true);
  const updater = useRef<RegionsUpdater | null>(null);

  useEffect(() => {
    const u = new RegionsUpdater(PAGE_CLOCK, (r) => {
      setRuns(r);
      setBusy(u.busy);
    });
    updater.current = u;
    return () => {
      u.dispose();
      updater.current = null;
    };
  }, []);

  useEffect(() => {
    const u = updater.current;
    if (!u) return;
    u.request(buffer, version, filter, REGIONS_LIMIT);
    setBusy(u.busy);
  }, [buffer, version, filter]);

  return { runs, busy };
}

/** Show the run on the grid: in view, its first frame selected, the run box-selected (offering a rescan). */
function usePickRegion(): (region: Region) => void {
  const revealGfn = useFs((s) => s.revealGfn);
  const selectFrame = useFs((s) => s.selectFrame);
  const setBoxRange = useFs((s) => s.setBoxRange);
  return (region) => {
    setBoxRange({ first: region.first, last: region.last });
    revealGfn(region.first, 12);
    selectFrame(region.first);
  };
}

function Swatch({ code }: { code: number }) {
  const status = statusOf(code);
  return <span className={`swatch${status === 'unscanned' ? ' swatch-unscanned' : ''}`} style={{ background: regionColor(code) }} />;
}

interface Column {
  key: string;
  label: string;
  sort: RegionSort;
  /** The column that shows the sort's arrow (of those that sort the same way). */
  arrow?: boolean;
  num?: boolean;
  title: string;
}

const COLUMNS: Column[] = [
  { key: 'first', label: 'First gfn', sort: 'gfn', arrow: true, title: 'Sort by first frame' },
  { key: 'last', label: 'Last gfn', sort: 'gfn', title: 'Sort by first frame' },
  { key: 'frames', label: 'Frames', sort: 'frames', arrow: true, num: true, title: 'Sort by size, largest first' },
  { key: 'size', label: 'Size', sort: 'frames', num: true, title: 'Sort by size, largest first' },
];

const CODE_COLUMNS: Column[] = [
  { key: 'status', label: 'Status', sort: 'status', arrow: true, title: 'Sort by status, then errno' },
  { key: 'errno', label: 'Errno', sort: 'status', title: 'Sort by status, then errno' },
];

const CHANGE_COLUMNS: Column[] = [{ key: 'change', label: 'Change', sort: 'status', arrow: true, title: 'Sort by the status now, then errno' }];

export interface RegionsTableProps {
  runs: RegionRuns | null;
  busy: boolean;
  sort: RegionSort;
  onSort(sort: RegionSort): void;
  onPick(region: Region): void;
  /** Rows of height to take; without it the table fills its container. */
  maxRows?: number;
  /** Said when there are no runs to list. */
  emptyText: string;
}

/** The runs as a table, sorted, virtualised: only the rows in view are in the DOM. */
export function RegionsTable({ runs, busy, sort, onSort, onPick, maxRows, emptyText }: RegionsTableProps) {
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const codeNames = useFs((s) => s.host?.codeNames);
  const box = useFs((s) => s.boxRange);
  const order = useMemo(() => (runs ? sortRegions(runs, sort) : null), [runs, sort]);
  const scroller = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewHeight, setViewHeight] = useState(ROW_PX * 10);

  useEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const observer = new ResizeObserver(() => setViewHeight(el.clientHeight));
    observer.observe(el);
    setViewHeight(el.clientHeight);
    return () => observer.disconnect();
  }, []);

  // Another order or filter: back to the top (not when a scan's chunks recompute the same list).
  const filter = runs?.filter;
  useEffect(() => {
    if (scroller.current) scroller.current.scrollTop = 0;
    setScrollTop(0);
  }, [sort, filter]);

  /** Arrow keys move between rows (the neighbours are rendered: OVERSCAN). */
  const focusRow = (row: number) => {
    const el = scroller.current?.querySelector<HTMLElement>(`[data-row="${row}"]`);
    el?.focus();
    el?.scrollIntoView({ block: 'nearest' });
  };

  const count = runs?.count ?? 0;
  const changes = runs?.changes ?? false;
  const columns = [...COLUMNS, ...(changes ? CHANGE_COLUMNS : CODE_COLUMNS)];
  const body = Math.max(0, scrollTop - ROW_PX);
  const from = Math.max(0, Math.floor(body / ROW_PX) - OVERSCAN);
  const to = Math.min(count, Math.ceil((body + viewHeight) / ROW_PX) + OVERSCAN);
  const style = {
    '--gfn-w': `${gfnDigits(frames) + 3}ch`,
    ...(maxRows !== undefined ? { height: `${ROW_PX * (1 + Math.max(1, Math.min(maxRows, count))) + 2}px` } : {}),
  } as CSSProperties;

  const rows = [];
  for (let row = from; row < to && order; row++) {
    const r = regionAt(runs!, order[row]);
    const selected = box !== null && box.first === r.first && box.last === r.last;
    const name = codeNameOf(codeNames, r.code);
    rows.push(
      <div key={row} role="row" tabIndex={0} className={`regions-row${selected ? ' is-selected' : ''}`} style={{ top: row * ROW_PX }}
        data-testid="region-row" data-row={row} data-first={r.first} data-last={r.last} data-code={r.code} data-from={r.from ?? undefined}
        aria-rowindex={row + 2} aria-selected={selected} title="Show this run on the grid, selected for a rescan"
        onClick={() => onPick(r)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' || e.key === ' ') onPick(r);
          else if (e.key === 'ArrowDown' && row + 1 < count) focusRow(row + 1);
          else if (e.key === 'ArrowUp' && row > 0) focusRow(row - 1);
          else return;
          e.preventDefault();
        }}>
        <span role="cell" className="mono">{formatGfn(r.first, frames)}</span>
        <span role="cell" className="mono">{formatGfn(r.last, frames)}</span>
        <span role="cell" className="num">{formatCount(r.frames)}</span>
        <span role="cell" className="num" title={`${formatCount(r.frames * PAGE_SIZE)} bytes`}>{formatBytes(r.frames * PAGE_SIZE)}</span>
        {r.from === null ? (
          <>
            <span role="cell" className="regions-status"><Swatch code={r.code} />{STATUS_LABELS[r.status]}</span>
            <span role="cell" className="mono regions-errno">{name}</span>
          </>
        ) : (
          <span role="cell" className="regions-status mono" title={`${STATUS_LABELS[statusOf(r.from)]} → ${STATUS_LABELS[r.status]}`}>
            <Swatch code={r.from} />{codeNameOf(codeNames, r.from)}<span className="dim">→</span><Swatch code={r.code} />{name}
          </span>
        )}
      </div>,
    );
  }

  return (
    <div ref={scroller} className={`regions-table${changes ? ' is-changes' : ''}`} style={style} role="table" aria-label="Regions" aria-rowcount={count + 1}
      aria-busy={busy} data-testid="regions-table" data-state={busy || !runs ? 'computing' : 'ready'} data-count={count} data-total={runs?.total ?? 0} data-sort={sort}
      onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
      <div className="regions-row regions-head" role="row" aria-rowindex={1}>
        {columns.map((c) => (
          <span key={c.key} role="columnheader" className={c.num ? 'num' : undefined}
            aria-sort={sort === c.sort ? (c.sort === 'frames' ? 'descending' : 'ascending') : 'none'}>
            <button type="button" className={sort === c.sort ? 'is-sorted' : undefined} data-testid={`regions-sort-${c.key}`} title={c.title}
              onClick={() => onSort(c.sort)}>
              {c.label}{sort === c.sort && c.arrow ? (c.sort === 'frames' ? ' ▾' : ' ▴') : ''}
            </button>
          </span>
        ))}
      </div>
      <div className="regions-body" style={{ height: count * ROW_PX }}>
        {rows}
      </div>
      {runs && count === 0 && !busy && <div className="regions-empty dim" data-testid="regions-empty">{emptyText}</div>}
    </div>
  );
}

/** "Showing the first N of M runs". */
function RegionsNote({ runs }: { runs: RegionRuns | null }) {
  if (!runs?.truncated) return null;
  return (
    <div className="regions-note" data-testid="regions-truncated">
      Showing the first {formatCount(runs.count)} of {formatCount(runs.total)} runs: filter to narrow.
    </div>
  );
}

/** Filter values as the selects hold them: 'all', 'status:paged', 'code:22'; 'all', 'changed', 'mapped→paged'. */
function filterOf(show: string, change: string): RegionFilter {
  const filter: RegionFilter = {};
  if (show.startsWith('status:')) filter.status = show.slice(7) as FrameStatus;
  else if (show.startsWith('code:')) filter.code = Number(show.slice(5));
  if (change === 'changed') filter.changed = true;
  else if (change !== 'all') {
    const [from, to] = change.split('→') as [FrameStatus, FrameStatus];
    filter.transition = { from, to };
  }
  return filter;
}

function ChangeSelect({ value, onChange, changesOnly }: { value: string; onChange(value: string): void; changesOnly: boolean }) {
  const changes = useFs((s) => s.changes);
  const keys = changes.transitions.map((t) => t.key);
  return (
    <select className="select select-small" data-testid="regions-changes" aria-label="Which frames" value={value}
      disabled={!changesOnly && changes.total === 0 && value === 'all'} onChange={(e) => onChange(e.target.value)}
      title={changes.total === 0 ? 'No frame is marked as changed' : 'List the changed frames only, by (from, to) code'}>
      {!changesOnly && <option value="all">All frames</option>}
      <option value="changed">{changesOnly ? 'Every change' : 'Changed frames'} ({formatCount(changes.total)})</option>
      {changes.transitions.map((t) => (
        <option key={t.key} value={t.key}>{t.key} ({formatCount(t.count)})</option>
      ))}
      {value !== 'all' && value !== 'changed' && !keys.includes(value) && <option value={value}>{value} (0)</option>}
    </select>
  );
}

function ShowSelect({ value, onChange }: { value: string; onChange(value: string): void }) {
  const invalidCodes = useFs((s) => s.invalidCodes);
  const codeNames = useFs((s) => s.host?.codeNames);
  const codes = invalidCodes.map((c) => c.code);
  const picked = value.startsWith('code:') ? Number(value.slice(5)) : null;
  if (picked !== null && !codes.includes(picked)) codes.push(picked);
  return (
    <select className="select select-small" data-testid="regions-filter" aria-label="Which runs" value={value} onChange={(e) => onChange(e.target.value)}
      title="List the runs of one status, or of one errno">
      <option value="all">Every status</option>
      <optgroup label="Status">
        {FRAME_STATUSES.map((s) => <option key={s} value={`status:${s}`}>{STATUS_LABELS[s]}</option>)}
      </optgroup>
      {codes.length > 0 && (
        <optgroup label="Invalid, by errno">
          {codes.map((code) => <option key={code} value={`code:${code}`}>{codeNameOf(codeNames, code)}</option>)}
        </optgroup>
      )}
    </select>
  );
}

/**
 * Filters, the table and its note: the regions of the codes on show, or with `changesOnly`
 * their changed frames only (by transition; a diff's view, headed by `title`).
 */
export function RegionsView({ changesOnly = false, maxRows, title }: { changesOnly?: boolean; maxRows?: number; title?: string }) {
  const [show, setShow] = useState('all');
  const [change, setChange] = useState(changesOnly ? 'changed' : 'all');
  const [sort, setSort] = useState<RegionSort>('gfn');
  const filter = useMemo(() => filterOf(show, change), [show, change]);
  const { runs, busy: computing } = useRegionRuns(filter);
  // Runs of the filter before are on show until those of this one come.
  const busy = computing || (runs !== null && runs.filter !== filter);
  const pick = usePickRegion();
  const empty = changesOnly || change !== 'all' ? 'No changed frames here' : show === 'all' ? 'Nothing scanned to list' : 'No run of this kind';
  return (
    <div className="regions-view" data-testid={changesOnly ? 'changed-regions' : 'regions-view'}>
      <div className="regions-filters">
        {title && <h3 className="regions-title">{title}</h3>}
        {!changesOnly && <ShowSelect value={show} onChange={setShow} />}
        <ChangeSelect value={change} onChange={setChange} changesOnly={changesOnly} />
        <span className="toolbar-spacer" />
        <span className="dim regions-summary" data-testid="regions-summary" title={runs ? `${formatCount(runs.frames)} frames in these runs` : undefined}>
          {runs ? `${formatCount(runs.total)} ${runs.total === 1 ? 'run' : 'runs'} · ${formatBytes(runs.frames * PAGE_SIZE)}` : ''}
          {busy && <span className="spinner-small" aria-label="Updating" />}
        </span>
      </div>
      <RegionsTable runs={runs} busy={busy} sort={sort} onSort={setSort} onPick={pick} maxRows={maxRows} emptyText={empty} />
      <RegionsNote runs={runs} />
    </div>
  );
}

/** The toggle of the regions table (the top bar may take it; the panel's bar has it meanwhile). */
export function RegionsButton() {
  const open = useFs((s) => s.regionsOpen);
  const setOpen = useFs((s) => s.setRegionsOpen);
  return (
    <button type="button" className={`btn btn-small${open ? ' is-pressed' : ''}`} data-testid="regions-button" aria-pressed={open}
      onClick={() => setOpen(!open)} title="Runs of equal frame codes: where each status and errno lies, region by region">
      Regions
    </button>
  );
}

/**
 * The side pane's regions panel: the table while open; closed, a one-line bar with its
 * toggle (`bar={false}` leaves that out, for when the top bar has the toggle).
 */
export function RegionsPanel({ bar = true }: { bar?: boolean }) {
  const open = useFs((s) => s.regionsOpen);
  const setOpen = useFs((s) => s.setRegionsOpen);
  if (!open) {
    if (!bar) return null;
    return (
      <div className="panel-header regions-bar">
        <h2>Regions</h2>
        <span className="dim">where each status and errno lies, run by run</span>
        <span className="toolbar-spacer" />
        <RegionsButton />
      </div>
    );
  }
  return (
    <section className="regions-panel" data-testid="regions-panel" aria-label="Regions">
      <div className="panel-header">
        <h2>Regions</h2>
        <span className="dim">runs of equal codes</span>
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)} aria-label="Close the regions" title="Close">
          ✕
        </button>
      </div>
      <RegionsView />
    </section>
  );
}
