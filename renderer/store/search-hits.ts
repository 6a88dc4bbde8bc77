/**
 * The hits of the current search, and the frames they mark on the grid. A hit marks its own
 * frame and, when the match runs past the end of the page, the frames it runs into. At most
 * maxHits (1000 by default) arrive, so a sorted array of marked frames is enough: the grid
 * asks for the ones in view with two binary searches.
 */
import type { SearchHit } from '../../app/api';

const PAGE_SIZE = 4096;

export class SearchHits {
  private list: SearchHit[] = [];
  private marked: number[] = [];
  private sorted = true;
  /** Bytes of the pattern searched for: how far a match reaches. */
  patternLength = 0;

  get hits(): readonly SearchHit[] {
    return this.list;
  }

  get count(): number {
    return this.list.length;
  }

  reset(patternLength: number): void {
    this.list = [];
    this.marked = [];
    this.sorted = true;
    this.patternLength = patternLength;
  }

  add(hits: readonly SearchHit[]): void {
    for (const hit of hits) {
      this.list.push(hit);
      const lastFrame = hit.gfn + Math.floor((hit.offset + Math.max(1, this.patternLength) - 1) / PAGE_SIZE);
      for (let gfn = hit.gfn; gfn <= lastFrame; gfn++) {
        if (this.marked.length > 0 && gfn < this.marked[this.marked.length - 1]) this.sorted = false;
        this.marked.push(gfn);
      }
    }
  }

  /** The marked frames, ascending, each once. */
  frames(): readonly number[] {
    if (!this.sorted) {
      this.marked.sort((a, b) => a - b);
      this.sorted = true;
    }
    // Drop repeats (several hits in one frame) in place.
    let w = 0;
    for (let r = 0; r < this.marked.length; r++) if (w === 0 || this.marked[r] !== this.marked[w - 1]) this.marked[w++] = this.marked[r];
    this.marked.length = w;
    return this.marked;
  }

  /** Marked frames in [first, last]. */
  inRange(first: number, last: number): number[] {
    const f = this.frames();
    let lo = 0;
    let hi = f.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (f[mid] < first) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let i = lo; i < f.length && f[i] <= last; i++) out.push(f[i]);
    return out;
  }

  isMarked(gfn: number): boolean {
    return this.inRange(gfn, gfn).length > 0;
  }
}
