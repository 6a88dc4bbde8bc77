/**
 * The timeline: frames mapped, paged out and invalid at the end of each scan or page-in of
 * the domain on show, over the session (uPlot). Paged out has its own axis on the right: it
 * moves by hundreds while the others stay near a million. Clicking a point shows that scan's
 * grid; a dashed line marks the scan on show.
 */
import 'uplot/dist/uPlot.min.css';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';

import { formatCount } from '../format';
import { STATUS_COLORS } from '../grid/palette';
import { testProbes } from '../grid/test-probes';
import { useFramescopeStore, useFs } from '../store/react';
import type { TimelineSeries } from '../store/timeline';

const CHART_HEIGHT = 150;
const AXIS = '#8390a3';
const GRID = '#252d3a';
const FONT = '11px system-ui, sans-serif';

/** Axis labels: exact below a million (paging moves counts by hundreds), else in millions. */
function compact(n: number): string {
  if (Math.abs(n) >= 1e6) return `${(n / 1e6).toFixed(n % 1e6 === 0 ? 0 : 2)} M`;
  return formatCount(Math.round(n));
}

/** Time ticks a whole number of seconds apart: scans are seconds apart, never less. */
const TIME_INCREMENTS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 43200, 86400];

function clockTime(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString('en-GB', { hour12: false });
}

function chartData(series: TimelineSeries): uPlot.AlignedData {
  return [series.x, series.mapped, series.invalid, series.paged];
}

export function TimelinePanel() {
  const store = useFramescopeStore();
  const open = useFs((s) => s.timelineOpen);
  const version = useFs((s) => s.timelineVersion);
  const domainId = useFs((s) => s.domainId);
  const domainName = useFs((s) => s.domains.find((d) => d.id === s.domainId)?.name ?? '');
  const onShow = useFs((s) => s.pastView?.record.scanId ?? null);
  const setOpen = useFs((s) => s.setTimelineOpen);
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const series = useRef<TimelineSeries | null>(null);
  const shown = useRef<string | null>(null);

  // The chart lives as long as the panel is open; data and size change in place.
  useEffect(() => {
    if (!open || !host.current) return;
    const el = host.current;
    const marker: uPlot.Plugin = {
      hooks: {
        draw: (u) => {
          const s = series.current;
          const i = s && shown.current ? s.points.findIndex((p) => p.scanId === shown.current) : -1;
          if (!s || i < 0) return;
          const x = u.valToPos(s.x[i], 'x', true);
          const ctx = u.ctx;
          ctx.save();
          ctx.strokeStyle = '#f0e442';
          ctx.setLineDash([4, 3]);
          ctx.lineWidth = 1.5 * uPlot.pxRatio;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
          ctx.restore();
        },
      },
    };
    const point = (color: string): uPlot.Series.Points => ({ show: true, size: 5, stroke: color, fill: color });
    const opts: uPlot.Options = {
      width: Math.max(200, el.clientWidth),
      height: CHART_HEIGHT,
      plugins: [marker],
      cursor: { drag: { x: false, y: false }, points: { size: 8 } },
      legend: { show: true, live: true },
      scales: { x: { time: true }, count: { auto: true }, paged: { auto: true } },
      axes: [
        { stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, font: FONT, space: 70, size: 30,
          incrs: TIME_INCREMENTS, values: (_u, vals) => vals.map(clockTime) },
        { scale: 'count', stroke: AXIS, grid: { stroke: GRID, width: 1 }, ticks: { stroke: GRID, width: 1 }, font: FONT, size: 64,
          values: (_u, vals) => vals.map(compact) },
        { scale: 'paged', side: 1, stroke: STATUS_COLORS.paged, grid: { show: false }, ticks: { stroke: GRID, width: 1 }, font: FONT, size: 64,
          values: (_u, vals) => vals.map(compact) },
      ],
      series: [
        { label: 'time', value: (_u, v) => (v === null ? '–' : clockTime(v)) },
        { label: 'mapped', scale: 'count', stroke: STATUS_COLORS.mapped, width: 1.5, points: point(STATUS_COLORS.mapped), value: (_u, v) => (v === null ? '–' : formatCount(v)) },
        { label: 'invalid', scale: 'count', stroke: '#8a8a8a', width: 1.5, points: point('#8a8a8a'), value: (_u, v) => (v === null ? '–' : formatCount(v)) },
        { label: 'paged out (right)', scale: 'paged', stroke: STATUS_COLORS.paged, width: 1.5, points: point(STATUS_COLORS.paged), value: (_u, v) => (v === null ? '–' : formatCount(v)) },
      ],
    };
    const s = store.getState().timelineSeries();
    series.current = s;
    const u = new uPlot(opts, chartData(s), el);
    plot.current = u;

    // A click on the plot shows the scan of the point the cursor snapped to.
    const onClick = () => {
      const i = u.cursor.idx;
      const p = i === null || i === undefined ? undefined : series.current?.points[i];
      if (p) void store.getState().showRecord(p.scanId);
    };
    u.over.addEventListener('click', onClick);
    const resize = new ResizeObserver(() => u.setSize({ width: Math.max(200, el.clientWidth), height: CHART_HEIGHT }));
    resize.observe(el);
    testProbes.timelinePoint = (index) => {
      const cur = series.current;
      if (!cur || cur.points.length === 0) return null;
      const i = index < 0 ? cur.points.length + index : index;
      if (i < 0 || i >= cur.points.length) return null;
      const rect = u.over.getBoundingClientRect();
      return { x: rect.left + u.valToPos(cur.x[i], 'x'), y: rect.top + u.valToPos(cur.mapped[i], 'count') };
    };
    return () => {
      testProbes.timelinePoint = undefined;
      resize.disconnect();
      u.over.removeEventListener('click', onClick);
      u.destroy();
      plot.current = null;
    };
  }, [open, store]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    const s = store.getState().timelineSeries();
    series.current = s;
    shown.current = onShow;
    u.setData(chartData(s));
  }, [version, domainId, onShow, open, store]);

  if (!open) return null;
  const points = store.getState().timelineSeries().points.length;
  return (
    <section className="timeline" data-testid="timeline" data-points={points} aria-label="Timeline">
      <div className="timeline-header">
        <h2>Timeline</h2>
        <span className="dim">
          {domainName} · {formatCount(points)} {points === 1 ? 'scan' : 'scans'} · counts at the end of each scan and page-in · click a point to see that scan
        </span>
        <span className="toolbar-spacer" />
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)} aria-label="Close the timeline (Ctrl+T)" title="Close (Ctrl+T)">
          ✕
        </button>
      </div>
      <div className="timeline-chart">
        <div ref={host} />
        {points === 0 && <div className="timeline-empty">No finished scan of this domain yet: scan, or turn auto-rescan on.</div>}
      </div>
    </section>
  );
}
