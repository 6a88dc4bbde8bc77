/**
 * The last transitions of each frame that changed (time, from code, to code), for the frame
 * panel. Sparse: frames that never changed have no entry, and no object is made for them.
 * Bounded twice: a frame keeps its last HISTORY_PER_FRAME transitions, and past
 * HISTORY_MAX_TRANSITIONS in all the frames changed longest ago are forgotten first, an eighth
 * of the budget at a time (the map keeps frames in the order of their latest change).
 */

export const HISTORY_PER_FRAME = 8;
export const HISTORY_MAX_TRANSITIONS = 100_000;

/** What saw the change: a scan, a page-in, or a read of the one frame (the hex view). */
export type TransitionSource = 'scan' | 'page-in' | 'read';

export interface Transition {
  /** When the chunk that showed it arrived (ms since the epoch). */
  at: number;
  from: number;
  to: number;
  source: TransitionSource;
}

/** What frames without a history answer: one shared empty list (stable for selectors). */
export const NO_TRANSITIONS: readonly Transition[] = Object.freeze([]);

/** Domain ids are below 2^15 and gfns below 2^32: one exact double per frame. */
function keyOf(domain: number, gfn: number): number {
  return domain * 2 ** 32 + gfn;
}

export class FrameHistory {
  private readonly frames = new Map<number, Transition[]>();
  private held = 0;

  constructor(readonly perFrame = HISTORY_PER_FRAME, readonly maxTransitions = HISTORY_MAX_TRANSITIONS) {}

  /** Transitions held, over all frames. */
  get size(): number {
    return this.held;
  }

  /** Frames with a history. */
  get frameCount(): number {
    return this.frames.size;
  }

  record(domain: number, gfn: number, transition: Transition): void {
    const key = keyOf(domain, gfn);
    const list = this.frames.get(key);
    if (list) {
      // Re-inserted: the map's order is the order of the frames' latest change.
      this.frames.delete(key);
      list.push(transition);
      this.held++;
      if (list.length > this.perFrame) {
        list.shift();
        this.held--;
      }
      this.frames.set(key, list);
    } else {
      this.frames.set(key, [transition]);
      this.held++;
    }
    if (this.held > this.maxTransitions) this.forgetOldest();
  }

  /**
   * Forgets the frames changed longest ago, down to 7/8 of the budget at once. One frame at a
   * time made each record() past the budget walk the map from its start over every entry
   * deleted before (a Map keeps them until it rehashes): a rescan changing 1 M frames took 27 s.
   */
  private forgetOldest(): void {
    const target = Math.floor(this.maxTransitions * 7 / 8);
    for (const [oldest, entries] of this.frames) {
      if (this.held <= target) break;
      this.frames.delete(oldest);
      this.held -= entries.length;
    }
  }

  /** The frame's transitions, oldest first (empty when it never changed). */
  of(domain: number, gfn: number): readonly Transition[] {
    return this.frames.get(keyOf(domain, gfn)) ?? NO_TRANSITIONS;
  }

  clear(): void {
    this.frames.clear();
    this.held = 0;
  }
}
