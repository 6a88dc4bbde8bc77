/**
 * Page-in of a range: find the paged-out frames, then ask for them again round after round,
 * with backoff between rounds and an overall bound (the retry policy, applied to the range
 * rather than frame by frame), until Xen has paged them all in or the time is up. A round
 * maps every still-paged frame once without waiting, so frames are seen turning mapped as
 * they return, and frames Xen's small paging ring dropped are asked for again next round.
 */
import type { ScanSummary } from './api';
import type { FrameSource } from './frame-source';
import { CODE_MAPPED, CODE_PAGED, FrameTally } from './frame-status';
import { ChunkOut, runScan, ScanPlan } from './scanner';

export const DEFAULT_PAGE_IN_TIMEOUT_MS = 10_000;
const FIRST_PAUSE_MS = 5;
const MAX_PAUSE_MS = 200;
/** Paged runs closer than this are asked for in one call: remapping a few mapped frames is cheaper than another ioctl. */
const MERGE_GAP = 64;

export interface PageInPlan extends ScanPlan {
  timeoutMs: number;
}

/** Spans holding the paged frames, at most `max` long, nearby runs merged: [offset, length] pairs. */
function pagedSpans(codes: Uint8Array, max: number, gap = MERGE_GAP): Array<[number, number]> {
  const spans: Array<[number, number]> = [];
  let start = -1;
  let lastPaged = -1;
  for (let i = 0; i <= codes.length; i++) {
    const paged = i < codes.length && codes[i] === CODE_PAGED;
    if (start >= 0 && (i === codes.length || i - lastPaged > gap || (paged && i - start >= max))) {
      spans.push([start, lastPaged - start + 1]);
      start = -1;
    }
    if (paged) {
      if (start < 0) start = i;
      lastPaged = i;
    }
  }
  return spans;
}

export async function runPageIn(source: FrameSource, plan: PageInPlan, emit: (chunk: ChunkOut) => void,
  signal?: AbortSignal): Promise<ScanSummary> {
  const started = performance.now();
  const deadline = Date.now() + plan.timeoutMs;
  const codes = new Uint8Array(plan.last - plan.first + 1);
  const elapsed = () => performance.now() - started;

  // An observe pass first: it shows where the paged frames are and asks Xen for the first of them.
  const pass = await runScan(source, { ...plan, mode: 'observe' }, (c) => {
    codes.set(c.codes, c.first - plan.first);
    emit(c);
  }, signal);
  if (pass.error || pass.cancelled) return { ...pass, mode: 'retry', retry: { retried: pass.counts.paged, recovered: 0, timedOutBatches: 0 } };

  const retried = pass.counts.paged;
  const wasPaged = codes.map((c) => (c === CODE_PAGED ? 1 : 0));
  let error: string | null = null;
  let pause = FIRST_PAUSE_MS;
  let spans = pagedSpans(codes, plan.batch);
  while (spans.length > 0 && Date.now() < deadline && !signal?.aborted) {
    let cameBack = 0;
    for (const [offset, length] of spans) {
      if (signal?.aborted) break;
      try {
        const r = await source.mapFrames(plan.domain, plan.first + offset, length, { mode: 'observe', signal, abi: plan.abi });
        for (let i = 0; i < length; i++) cameBack += codes[offset + i] === CODE_PAGED && r.codes[i] !== CODE_PAGED ? 1 : 0;
        codes.set(r.codes, offset);
        emit({ first: plan.first + offset, codes: r.codes, scanned: codes.length, elapsedMs: elapsed() });
      } catch (e) {
        error = `page-in stopped at gfn 0x${(plan.first + offset).toString(16)}: ${(e as Error).message}`;
        break;
      }
    }
    if (error) break;
    spans = pagedSpans(codes, plan.batch);
    if (spans.length > 0) {
      // back off while nothing returns; come back quickly while frames keep coming
      pause = cameBack > 0 ? FIRST_PAUSE_MS : Math.min(pause * 2, MAX_PAUSE_MS);
      await new Promise((resolve) => setTimeout(resolve, Math.min(pause, Math.max(0, deadline - Date.now()))));
    }
  }

  const tally = new FrameTally();
  tally.add(codes);
  const counts = tally.counts();
  let recovered = 0;
  for (let i = 0; i < codes.length; i++) recovered += wasPaged[i] && codes[i] === CODE_MAPPED ? 1 : 0;
  return {
    ...pass,
    counts,
    errnos: tally.errnos(),
    abi: source.abi ?? pass.abi,
    durationMs: Math.round(elapsed() * 1000) / 1000,
    mode: 'retry',
    retry: { retried, recovered, timedOutBatches: counts.paged > 0 ? 1 : 0 },
    cancelled: !!signal?.aborted,
    error,
  };
}
