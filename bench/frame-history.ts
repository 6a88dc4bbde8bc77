/**
 * The frame panel's history at its budget: a rescan that changes 1 M frames records 1 M
 * transitions into a history capped at HISTORY_MAX_TRANSITIONS. Baseline: the same inserts
 * into a Map with no cap, in the same run. Before the eviction went an eighth of the budget at
 * a time, this bench did not finish in 5 minutes (the uncapped Map: 1.6 s a round).
 */
import { FrameHistory, HISTORY_MAX_TRANSITIONS, Transition } from '../renderer/store/frame-history';

const FRAMES = 1 << 20;

function timeMs(body: () => void): number {
  const t = performance.now();
  body();
  return performance.now() - t;
}

export async function benchFrameHistory(log: (line: string) => void): Promise<{ frames: number; historyMs: number; baselineMs: number; ratio: number }> {
  const t: Transition = { at: 0, from: 0, to: 2, source: 'scan' };
  const rounds: Array<[number, number]> = [];
  for (let round = 0; round < 3; round++) {
    const baselineMs = timeMs(() => {
      const m = new Map<number, Transition[]>();
      for (let g = 0; g < FRAMES; g++) m.set(3 * 2 ** 32 + g, [t]);
    });
    const historyMs = timeMs(() => {
      const h = new FrameHistory();
      for (let g = 0; g < FRAMES; g++) h.record(3, g, t);
    });
    rounds.push([historyMs, baselineMs]);
  }
  const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  const historyMs = median(rounds.map((r) => r[0]));
  const baselineMs = median(rounds.map((r) => r[1]));
  const ratio = historyMs / baselineMs;
  log(`frame history: ${FRAMES} changed frames into a history of ${HISTORY_MAX_TRANSITIONS}: ${historyMs.toFixed(0)} ms, ` +
    `an uncapped Map ${baselineMs.toFixed(0)} ms: ${ratio.toFixed(2)}x the baseline's time (median of 3)`);
  return { frames: FRAMES, historyMs, baselineMs, ratio };
}
