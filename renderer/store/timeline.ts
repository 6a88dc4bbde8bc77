/**
 * The session's timeline: one point per finished scan or page-in (its end time and the
 * summary's counts), for the chart of mapped / paged / invalid over time. Kept out of React
 * (a long auto-rescan session makes thousands of points); the store carries a version.
 */
import type { ScanSummary } from '../../app/api';

export const TIMELINE_MAX_POINTS = 10_000;

export type TimelineKind = 'scan' | 'page-in';

export interface TimelinePoint {
  scanId: string;
  kind: TimelineKind;
  domain: number;
  /** When the end event arrived, ms since the epoch. */
  at: number;
  first: number;
  last: number;
  mapped: number;
  paged: number;
  invalid: number;
}

/** Columns for one domain, as the chart wants them: x in seconds since the epoch. */
export interface TimelineSeries {
  x: Float64Array;
  mapped: Float64Array;
  paged: Float64Array;
  invalid: Float64Array;
  points: TimelinePoint[];
}

/**
 * The point a scan's end makes, or null when its counts describe only part of the range (a
 * scan stopped or failed early): the chart would show a drop that never happened.
 */
export function timelinePointOf(scanId: string, kind: TimelineKind, summary: ScanSummary, at: number): TimelinePoint | null {
  if (summary.scanned === 0 || summary.scanned < summary.frames) return null;
  const { counts } = summary;
  return {
    scanId, kind, domain: summary.domain, at, first: summary.first, last: summary.last,
    mapped: counts.mapped, paged: counts.paged, invalid: counts.invalid,
  };
}

export class Timeline {
  private list: TimelinePoint[] = [];

  get points(): readonly TimelinePoint[] {
    return this.list;
  }

  add(point: TimelinePoint): void {
    this.list.push(point);
    if (this.list.length > TIMELINE_MAX_POINTS) this.list.splice(0, this.list.length - TIMELINE_MAX_POINTS);
  }

  clear(): void {
    this.list = [];
  }

  series(domain: number): TimelineSeries {
    const points = this.list.filter((p) => p.domain === domain);
    const n = points.length;
    const s: TimelineSeries = {
      x: new Float64Array(n), mapped: new Float64Array(n), paged: new Float64Array(n), invalid: new Float64Array(n), points,
    };
    // Two ends in the same millisecond would not be increasing x: nudge the later one.
    let lastX = -Infinity;
    points.forEach((p, i) => {
      const x = Math.max(p.at / 1000, lastX + 1e-3);
      lastX = x;
      s.x[i] = x;
      s.mapped[i] = p.mapped;
      s.paged[i] = p.paged;
      s.invalid[i] = p.invalid;
    });
    return s;
  }
}
