/**
 * The regions of the codes on show, VMMap-like: runs of frames, each a maximal sequence of
 * frames with the same code, or, among the changed frames only, with the same (from, to)
 * code pair. A 16.8 M-frame guest with scattered paging has ~600 K runs and a 2^30-frame one
 * tens of millions, so runs live in typed arrays (10 bytes a run, no object per run), a
 * computation keeps at most `limit` of them (counting the rest) and runs in slices
 * (RegionScan.step) that a caller can spread over several tasks.
 */
import { FRAME_STATUSES, type FrameStatus, statusOf } from '../frame-codes';
import { NO_MARK } from './change-marks';
import type { Clock } from './types';

/** Runs kept by default: 10 MB of typed arrays, more rows than anyone scrolls through. */
export const REGIONS_LIMIT = 1_000_000;

/** A frame number (the gfns of a run) fits in 32 bits: guests have at most 2^32 frames. */
const MAX_FRAMES = 2 ** 32;

/** Change marks as the runs read them: a FrameBuffer's ChangeMarks (sparse pages) has this face. */
export interface MarksView {
  readonly length: number;
  /** The code frame gfn changed from, or NO_MARK. */
  at(gfn: number): number;
  /** The first marked frame >= from, or null. */
  nextMarked(from: number): number | null;
}

/** The codes to split into runs, and their change marks: a MarksView, or one byte a frame. */
export interface RegionSource {
  codes: Uint8Array;
  marks?: MarksView;
  /** Per frame, the code before its change, or NO_MARK (tests, and dense sources). */
  from?: Uint8Array;
}

/** Dense marks (one byte a frame) as a MarksView, skipping unmarked frames four at a time. */
export function denseMarks(from: Uint8Array): MarksView {
  const words = from.byteOffset % 4 === 0 ? new Uint32Array(from.buffer, from.byteOffset, from.length >>> 2) : null;
  return {
    length: from.length,
    at: (gfn) => from[gfn],
    nextMarked: (start) => {
      let i = Math.max(0, start);
      while (i < from.length) {
        if (from[i] !== NO_MARK) return i;
        i++;
        if (words && (i & 3) === 0) {
          let w = i >>> 2;
          while (w < words.length && words[w] === 0xffffffff) w++;
          i = Math.max(i, w << 2);
        }
      }
      return null;
    },
  };
}

/** One side of a transition: a status, or (a number) an exact code. */
export type CodeMatch = FrameStatus | number;

export interface RegionFilter {
  /** Only runs whose code (the "to" code of changed runs) has this status. */
  status?: FrameStatus | null;
  /** Only runs of this exact code. */
  code?: number | null;
  /** Only changed frames; runs then split where the (from, to) pair changes. */
  changed?: boolean;
  /** Only changed frames of this transition ("mapped→paged", or exact codes); implies `changed`. */
  transition?: { from: CodeMatch; to: CodeMatch } | null;
}

/** Runs in gfn order; run i is frames first[i]..last[i] of code[i], changed from from[i] (NO_MARK: not a changed run). */
export interface RegionRuns {
  /** Runs kept (at most the limit). */
  count: number;
  first: Uint32Array;
  last: Uint32Array;
  code: Uint8Array;
  from: Uint8Array;
  /** Runs that pass the filter, kept or not. */
  total: number;
  /** Frames of those runs. */
  frames: number;
  /** More runs pass the filter than were kept. */
  truncated: boolean;
  /** Runs of changed frames (split by from code too). */
  changes: boolean;
  /** Frames of the source. */
  sourceFrames: number;
  /** The filter they pass (the object given). */
  filter: RegionFilter;
}

export interface Region {
  first: number;
  last: number;
  frames: number;
  code: number;
  status: FrameStatus;
  /** The code before the change, for a run of changed frames; else null. */
  from: number | null;
}

export type RegionSort = 'gfn' | 'frames' | 'status';

export const REGION_SORTS: readonly RegionSort[] = ['gfn', 'frames', 'status'];

function matches(code: number, match: CodeMatch): boolean {
  return typeof match === 'number' ? code === match : statusOf(code) === match;
}

function checkCode(code: number | null | undefined, what: string): void {
  if (code !== null && code !== undefined && !(Number.isInteger(code) && code >= 0 && code <= 255)) {
    throw new RangeError(`${what}: ${code} is not a frame code (0-255)`);
  }
}

function checkFilter(filter: RegionFilter): void {
  if (filter.status != null && !FRAME_STATUSES.includes(filter.status)) throw new RangeError(`status: '${filter.status}' is not a frame status`);
  checkCode(filter.code, 'code');
  for (const side of ['from', 'to'] as const) {
    const m = filter.transition?.[side];
    if (typeof m === 'number') checkCode(m, `transition ${side}`);
    else if (m !== undefined && !FRAME_STATUSES.includes(m)) throw new RangeError(`transition ${side}: '${m}' is not a frame status`);
  }
}

/** Whether the filter lists changed frames only (runs by (from, to) pair). */
export function isChangesFilter(filter: RegionFilter): boolean {
  return filter.changed === true || filter.transition != null;
}

/**
 * Which (from << 8 | to) pairs pass the filter. Outside changes mode only `to` counts (the
 * entries with from = NO_MARK). A table, so that the loops over frames test one byte per run.
 */
function allowedPairs(filter: RegionFilter): Uint8Array {
  const allowed = new Uint8Array(65536);
  const changes = isChangesFilter(filter);
  for (let to = 0; to < 256; to++) {
    if (filter.status != null && statusOf(to) !== filter.status) continue;
    if (filter.code != null && to !== filter.code) continue;
    if (filter.transition && !matches(to, filter.transition.to)) continue;
    if (!changes) {
      allowed[(NO_MARK << 8) | to] = 1;
      continue;
    }
    for (let from = 0; from < 256; from++) {
      // A frame never changes from "not scanned": that byte means "not marked".
      if (from === NO_MARK) continue;
      if (filter.transition && !matches(from, filter.transition.from)) continue;
      allowed[(from << 8) | to] = 1;
    }
  }
  return allowed;
}

/** The runs of a FrameBuffer-like source: its codes and its change marks. */
export function regionSourceOf(buffer: { codes: Uint8Array; marks: MarksView }): RegionSource {
  return { codes: buffer.codes, marks: buffer.marks };
}

/**
 * One computation of runs, resumable: step() goes on from where it stopped, so a caller can
 * spread a 2^30-frame source over several tasks. The source must not be written meanwhile
 * (or the runs describe a mix of before and after: recompute once writes stop).
 */
export class RegionScan {
  private readonly codes: Uint8Array;
  private readonly marks: MarksView;
  private readonly allowed: Uint8Array;
  private readonly filter: RegionFilter;
  private readonly limit: number;
  readonly changes: boolean;
  private at = 0;
  private count = 0;
  private total = 0;
  private frames = 0;
  private first: Uint32Array;
  private last: Uint32Array;
  private code: Uint8Array;
  private fromCode: Uint8Array;

  constructor(source: RegionSource, filter: RegionFilter = {}, limit = REGIONS_LIMIT) {
    const n = source.codes.length;
    if (n > MAX_FRAMES) throw new RangeError(`regions: ${n} frames is more than 2^32`);
    const marks = source.marks ?? (source.from ? denseMarks(source.from) : null);
    if (!marks) throw new RangeError('regions: a source needs its change marks');
    if (marks.length < n) throw new RangeError(`regions: ${marks.length} change marks for ${n} frames`);
    if (!Number.isSafeInteger(limit) || limit < 0) throw new RangeError(`regions: limit ${limit} is not a count of runs`);
    checkFilter(filter);
    this.codes = source.codes;
    this.marks = marks;
    this.allowed = allowedPairs(filter);
    this.filter = filter;
    this.changes = isChangesFilter(filter);
    this.limit = limit;
    const capacity = Math.min(limit, 4096);
    this.first = new Uint32Array(capacity);
    this.last = new Uint32Array(capacity);
    this.code = new Uint8Array(capacity);
    this.fromCode = new Uint8Array(capacity);
  }

  get done(): boolean {
    return this.at >= this.codes.length;
  }

  /** Frames looked at so far, of the source's. */
  get progress(): number {
    return this.at;
  }

  /** Looks at (about) `budget` more frames; a run is never split between steps. Returns done. */
  step(budget = Infinity): boolean {
    const n = this.codes.length;
    const stop = Math.min(n, this.at + budget);
    if (this.changes) this.stepChanges(n, stop);
    else this.stepCodes(n, stop);
    return this.done;
  }

  private stepCodes(n: number, stop: number): void {
    const codes = this.codes;
    const allowed = this.allowed;
    const plain = NO_MARK << 8;
    let i = this.at;
    while (i < stop) {
      const c = codes[i];
      let j = i + 1;
      while (j < n && codes[j] === c) j++;
      if (allowed[plain | c]) this.emit(i, j - 1, c, NO_MARK);
      i = j;
    }
    this.at = i;
  }

  private stepChanges(n: number, stop: number): void {
    const codes = this.codes;
    const marks = this.marks;
    const allowed = this.allowed;
    let i = this.at;
    while (i < stop) {
      // Most frames are not marked: the marks skip to the next one that is.
      const next = marks.nextMarked(i);
      if (next === null || next >= n) {
        i = n;
        break;
      }
      i = next;
      const f = marks.at(i);
      const c = codes[i];
      let j = i + 1;
      while (j < n && marks.at(j) === f && codes[j] === c) j++;
      if (allowed[(f << 8) | c]) this.emit(i, j - 1, c, f);
      i = j;
    }
    this.at = Math.min(i, n);
  }

  private emit(first: number, last: number, code: number, from: number): void {
    this.total++;
    this.frames += last - first + 1;
    if (this.count >= this.limit) return;
    if (this.count === this.first.length) this.grow();
    const k = this.count++;
    this.first[k] = first;
    this.last[k] = last;
    this.code[k] = code;
    this.fromCode[k] = from;
  }

  private grow(): void {
    const capacity = Math.min(this.limit, Math.max(4096, this.first.length * 2));
    const grown = <T extends Uint32Array | Uint8Array>(a: T, make: (n: number) => T): T => {
      const b = make(capacity);
      b.set(a);
      return b;
    };
    this.first = grown(this.first, (k) => new Uint32Array(k));
    this.last = grown(this.last, (k) => new Uint32Array(k));
    this.code = grown(this.code, (k) => new Uint8Array(k));
    this.fromCode = grown(this.fromCode, (k) => new Uint8Array(k));
  }

  /** The runs found so far (all of them once done). */
  result(): RegionRuns {
    const k = this.count;
    return {
      count: k,
      first: this.first.subarray(0, k),
      last: this.last.subarray(0, k),
      code: this.code.subarray(0, k),
      from: this.fromCode.subarray(0, k),
      total: this.total,
      frames: this.frames,
      truncated: this.total > k,
      changes: this.changes,
      sourceFrames: this.codes.length,
      filter: this.filter,
    };
  }
}

/** The runs of `source` that pass `filter`, at most `limit` of them, in gfn order. */
export function computeRegions(source: RegionSource, filter: RegionFilter = {}, limit = REGIONS_LIMIT): RegionRuns {
  const scan = new RegionScan(source, filter, limit);
  scan.step();
  return scan.result();
}

export const NO_REGIONS: RegionRuns = computeRegions({ codes: new Uint8Array(0), from: new Uint8Array(0) });

export function regionAt(runs: RegionRuns, i: number): Region {
  if (!(Number.isInteger(i) && i >= 0 && i < runs.count)) throw new RangeError(`region ${i}: there are ${runs.count}`);
  const code = runs.code[i];
  const from = runs.from[i];
  return {
    first: runs.first[i],
    last: runs.last[i],
    frames: runs.last[i] - runs.first[i] + 1,
    code,
    status: statusOf(code),
    from: runs.changes && from !== NO_MARK ? from : null,
  };
}

/**
 * Where each code sorts in 'status' order: the statuses as the legend lists them (mapped,
 * paged, invalid, not scanned), then by code.
 */
const STATUS_RANK: Uint8Array = (() => {
  const order = [...Array(256).keys()].sort((a, b) =>
    FRAME_STATUSES.indexOf(statusOf(a)) - FRAME_STATUSES.indexOf(statusOf(b)) || a - b);
  const rank = new Uint8Array(256);
  order.forEach((code, r) => (rank[code] = r));
  return rank;
})();

/**
 * The order to list the runs in: indices into `runs`. 'gfn' as computed; 'frames' largest
 * first; 'status' by status then code; ties keep gfn order. Linear or a native numeric sort,
 * never a comparator per pair: a million runs sort in tens of milliseconds.
 */
export function sortRegions(runs: RegionRuns, sort: RegionSort): Uint32Array {
  const n = runs.count;
  const order = new Uint32Array(n);
  if (sort === 'gfn') {
    for (let i = 0; i < n; i++) order[i] = i;
    return order;
  }
  if (sort === 'status') {
    // A stable counting sort on the code's rank: gfn order within each code.
    const start = new Uint32Array(257);
    for (let i = 0; i < n; i++) start[STATUS_RANK[runs.code[i]] + 1]++;
    for (let r = 0; r < 256; r++) start[r + 1] += start[r];
    for (let i = 0; i < n; i++) order[start[STATUS_RANK[runs.code[i]]]++] = i;
    return order;
  }
  if (sort !== 'frames') throw new RangeError(`sort: '${sort}' is not one of ${REGION_SORTS.join(', ')}`);
  // Largest first, ties by gfn: (2^32 - frames) * 2^bits + i is exact below 2^53 while
  // n <= 2^21, and sorts natively as a Float64Array.
  const bits = Math.max(1, Math.ceil(Math.log2(n + 1)));
  if (bits <= 21) {
    const scale = 2 ** bits;
    const keys = new Float64Array(n);
    for (let i = 0; i < n; i++) keys[i] = (MAX_FRAMES - (runs.last[i] - runs.first[i] + 1)) * scale + i;
    keys.sort();
    for (let i = 0; i < n; i++) order[i] = keys[i] % scale;
    return order;
  }
  for (let i = 0; i < n; i++) order[i] = i;
  const size = (i: number) => runs.last[i] - runs.first[i];
  return order.sort((a, b) => size(b) - size(a) || a - b);
}

/** A FrameBuffer as the updater sees it: its codes and marks (read when a computation starts). */
export interface RegionBuffer {
  codes: Uint8Array;
  marks: MarksView;
}

export interface RegionsUpdaterOptions {
  /** While the buffer keeps changing (a scan streams chunks), computations start at most this often. */
  minIntervalMs?: number;
  /** A computation works this long, then yields (one task of the page). */
  sliceMs?: number;
}

/**
 * Keeps the runs of a buffer up to date without following every chunk: a new buffer or
 * filter starts over at once; a new version of the same buffer (a scan's chunk) starts a new
 * computation at most every minIntervalMs, after the one under way ends. Computations run in
 * slices of sliceMs, so a 2^30-frame buffer does not freeze the page.
 */
export class RegionsUpdater {
  private readonly minIntervalMs: number;
  private readonly sliceMs: number;
  private buffer: RegionBuffer | null = null;
  private version: unknown = undefined;
  private filter: RegionFilter = {};
  private filterKey = '';
  private limit = REGIONS_LIMIT;
  /** The request the last computation started from (for "is it up to date"). */
  private started: { buffer: RegionBuffer | null; version: unknown; filterKey: string } | null = null;
  private startedAt = -Infinity;
  private scan: RegionScan | null = null;
  private timer: unknown = null;
  private disposed = false;

  constructor(
    private readonly clock: Clock,
    private readonly onRuns: (runs: RegionRuns) => void,
    options: RegionsUpdaterOptions = {},
  ) {
    this.minIntervalMs = options.minIntervalMs ?? 500;
    this.sliceMs = options.sliceMs ?? 12;
  }

  /** A computation is under way or waiting to start. */
  get busy(): boolean {
    return this.scan !== null || this.timer !== null;
  }

  /** What the runs should be of now; call it whenever one of them may have changed. */
  request(buffer: RegionBuffer | null, version: unknown, filter: RegionFilter, limit = REGIONS_LIMIT): void {
    if (this.disposed) return;
    const filterKey = JSON.stringify([filter.status ?? null, filter.code ?? null, filter.changed ?? false, filter.transition ?? null, limit]);
    const fresh = buffer !== this.buffer || filterKey !== this.filterKey;
    this.buffer = buffer;
    this.version = version;
    this.filter = filter;
    this.filterKey = filterKey;
    this.limit = limit;
    if (fresh) {
      // Another buffer or filter: what is under way answers an old question.
      this.cancel();
      this.schedule(0);
    } else if (!this.upToDate() && !this.busy) {
      this.schedule(Math.max(0, this.startedAt + this.minIntervalMs - this.clock.now()));
    }
  }

  dispose(): void {
    this.disposed = true;
    this.cancel();
  }

  private upToDate(): boolean {
    const s = this.started;
    return s !== null && s.buffer === this.buffer && s.version === this.version && s.filterKey === this.filterKey;
  }

  private cancel(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    this.scan = null;
  }

  private schedule(ms: number): void {
    this.timer = this.clock.setTimeout(() => {
      this.timer = null;
      this.start();
    }, ms);
  }

  private start(): void {
    this.started = { buffer: this.buffer, version: this.version, filterKey: this.filterKey };
    this.startedAt = this.clock.now();
    if (!this.buffer) {
      this.onRuns({ ...NO_REGIONS, filter: this.filter });
      return;
    }
    this.scan = new RegionScan(regionSourceOf(this.buffer), this.filter, this.limit);
    this.slice();
  }

  private slice(): void {
    const scan = this.scan;
    if (!scan) return;
    const t0 = this.clock.now();
    do scan.step(1 << 20);
    while (!scan.done && this.clock.now() - t0 < this.sliceMs);
    if (!scan.done) {
      this.timer = this.clock.setTimeout(() => {
        this.timer = null;
        this.slice();
      }, 0);
      return;
    }
    this.scan = null;
    // The buffer moved on meanwhile: again, once the interval is up (before telling, so that busy says so).
    if (!this.upToDate()) this.schedule(Math.max(0, this.startedAt + this.minIntervalMs - this.clock.now()));
    this.onRuns(scan.result());
  }
}
