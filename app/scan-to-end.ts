import type { FramescopeApi, ScanChunk, ScanRequest, ScanStarted, ScanSummary } from './api';

/**
 * Starts a scan and resolves with its summary. Events that arrive before startScan answers
 * are held until the scan's id is known, so no chunk is lost to the race.
 */
export async function scanToEnd(api: FramescopeApi, request: ScanRequest,
  onChunk?: (chunk: ScanChunk) => void, onStarted?: (started: ScanStarted) => void): Promise<ScanSummary> {
  let scanId: string | null = null;
  const held: Array<ScanChunk | { type: 'end'; scanId: string; summary: ScanSummary }> = [];
  let finish: (summary: ScanSummary) => void = () => {};
  const done = new Promise<ScanSummary>((resolve) => (finish = resolve));
  const handle = (e: (typeof held)[number]) => {
    if (e.type === 'chunk') onChunk?.(e);
    else finish(e.summary);
  };
  const off = api.onEvent((e) => {
    if (e.type !== 'chunk' && e.type !== 'end') return;
    if (scanId === null) held.push(e);
    else if (e.scanId === scanId) handle(e);
  });
  try {
    const started = await api.startScan(request);
    scanId = started.scanId;
    onStarted?.(started);
    for (const e of held.splice(0)) if (e.scanId === scanId) handle(e);
    return await done;
  } finally {
    off();
  }
}
