/**
 * The selected frame: where it is, what the scan and a fresh read say about it, and its bytes
 * (the hex view). A frame that did not map says why there is nothing to show, and offers a
 * read in retry mode.
 */
import { useState } from 'react';

import { CODE_MAPPED, CODE_PAGED, CODE_UNSCANNED, STATUS_LABELS, codeNameOf, statusOf } from '../frame-codes';
import { NO_MARK } from '../store/change-marks';
import type { Transition } from '../store/frame-history';
import { PAGE_SIZE, formatAddress, formatGfn, gfnDigits } from '../format';
import { codeColor } from '../grid/palette';
import { useFs } from '../store/react';
import { ERRNO_HINTS } from './errno-hints';
import { bytesAsHex, bytesAsText } from './hex-format';
import { HexDump } from './HexView';

const COPIED_NOTE_MS = 1600;

async function copyToClipboard(text: string): Promise<void> {
  if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(text);
    return;
  }
  throw new Error('the clipboard is not available here');
}

function StatusChip({ code, codeNames }: { code: number; codeNames?: Record<number, string> }) {
  const status = statusOf(code);
  return (
    <span className={`status-chip status-${status}`}>
      <span className="swatch" style={{ background: codeColor(code) }} />
      {STATUS_LABELS[status]}
      {code !== CODE_UNSCANNED && code !== CODE_MAPPED && <span className="chip-errno">{codeNameOf(codeNames, code)}</span>}
    </span>
  );
}

function timeOf(ms: number): string {
  const d = new Date(ms);
  return `${d.toLocaleTimeString('en-GB', { hour12: false })}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** The frame's last transitions, newest first. */
function FrameHistoryList({ gfn, codeNames }: { gfn: number; codeNames?: Record<number, string> }) {
  // The history lives outside the store: re-render when its version moves.
  useFs((s) => s.historyVersion);
  const transitions: readonly Transition[] = useFs((s) => s.frameHistory(gfn));
  if (transitions.length === 0) {
    return (
      <div className="frame-history is-empty" data-testid="frame-history" data-count={0}>
        <span className="dim">No change seen: rescans record every status change of a frame here.</span>
      </div>
    );
  }
  return (
    <div className="frame-history" data-testid="frame-history" data-count={transitions.length}>
      <div className="history-title">Last changes</div>
      <ol>
        {[...transitions].reverse().map((t, i) => (
          <li key={`${t.at}:${i}`} data-testid="history-entry">
            <span className="history-time">{timeOf(t.at)}</span>
            <StatusChip code={t.from} codeNames={codeNames} />
            <span className="dim">→</span>
            <StatusChip code={t.to} codeNames={codeNames} />
            <span className="history-codes">{codeNameOf(codeNames, t.from)}→{codeNameOf(codeNames, t.to)}</span>
            <span className="dim">{t.source}</span>
          </li>
        ))}
      </ol>
    </div>
  );
}

export function FramePanel() {
  const gfn = useFs((s) => s.selectedGfn);
  const read = useFs((s) => s.frameRead);
  const readStatus = useFs((s) => s.readStatus);
  const readError = useFs((s) => s.readError);
  const readMode = useFs((s) => s.readMode);
  const codeNames = useFs((s) => s.host?.codeNames);
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const gridCode = useFs((s) => (s.selectedGfn === null ? undefined : s.frameBuffer()?.codeAt(s.selectedGfn)));
  const markFrom = useFs((s) => (s.selectedGfn === null ? NO_MARK : (s.frameBuffer()?.marks.at(s.selectedGfn) ?? NO_MARK)));
  const pastKind = useFs((s) => s.pastView?.kind ?? null);
  const highlight = useFs((s) => (s.hexHighlight && s.hexHighlight.gfn === s.selectedGfn ? s.hexHighlight : null));
  const readSelected = useFs((s) => s.readSelected);
  const revealGfn = useFs((s) => s.revealGfn);
  const [note, setNote] = useState<string | null>(null);

  if (gfn === null) {
    return (
      <div className="frame-panel">
        <div className="panel-header">
          <h2>Frame</h2>
          <span className="selected-gfn is-empty" data-testid="selected-gfn">
            none
          </span>
        </div>
        <div className="hex-view hex-empty" data-testid="hex-view" data-state="empty">
          <p>Click a frame in the grid to see its contents.</p>
          <p className="dim">Shift+drag over the grid selects a range to rescan. Hover shows a frame's status and errno.</p>
        </div>
      </div>
    );
  }

  const bytes = read && read.gfn === gfn ? read.bytes : null;
  const code = read && read.gfn === gfn ? read.code : null;
  const status = code === null ? null : statusOf(code);
  const errnoName = code === null ? null : read?.codeName || codeNameOf(codeNames, code);

  const copy = async (kind: 'hex' | 'text') => {
    if (!bytes) return;
    try {
      await copyToClipboard(kind === 'hex' ? bytesAsHex(bytes) : bytesAsText(bytes));
      setNote(`Copied ${PAGE_SIZE} bytes as ${kind}`);
    } catch (e) {
      setNote(`Copy failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    window.setTimeout(() => setNote(null), COPIED_NOTE_MS);
  };

  const changedSinceScan = code !== null && gridCode !== undefined && gridCode !== CODE_UNSCANNED && gridCode !== code;

  return (
    <div className="frame-panel">
      <div className="panel-header">
        <h2>Frame</h2>
        <button
          type="button"
          className="selected-gfn"
          data-testid="selected-gfn"
          data-gfn={gfn}
          title="Show it in the grid"
          onClick={() => revealGfn(gfn, 12)}
        >
          {formatGfn(gfn, frames)}
        </button>
        {code !== null && <StatusChip code={code} codeNames={codeNames} />}
      </div>

      <dl className="frame-facts">
        <dt>gfn</dt>
        <dd>
          {formatGfn(gfn, frames)} <span className="dim">({gfn})</span>
        </dd>
        <dt>address</dt>
        <dd>
          {formatAddress(gfn, frames)} – {formatAddress(gfn, frames).replace(/000$/, 'fff')}
        </dd>
        <dt>{pastKind === 'snapshot' ? 'snapshot' : pastKind === 'diff' ? 'B says' : pastKind ? 'past scan' : 'scan says'}</dt>
        <dd data-testid="grid-status">
          {gridCode === undefined || gridCode === CODE_UNSCANNED ? (
            <span className="dim">not scanned</span>
          ) : (
            <StatusChip code={gridCode} codeNames={codeNames} />
          )}
        </dd>
        <dt>read says</dt>
        <dd data-testid="read-status">
          {readStatus === 'loading' ? (
            <span className="dim">{readMode === 'retry' ? 'reading, retrying while paged out…' : 'reading…'}</span>
          ) : code !== null ? (
            <>
              <StatusChip code={code} codeNames={codeNames} />
              <span className="dim"> {readMode} · code {code}</span>
            </>
          ) : readStatus === 'error' ? (
            <span className="text-error">failed</span>
          ) : (
            <span className="dim">–</span>
          )}
        </dd>
      </dl>
      {markFrom !== NO_MARK && gridCode !== undefined && (
        <div className="note note-changed" data-testid="frame-changed">
          {pastKind === 'diff' ? 'Differs: in A it was ' : 'Changed since the previous scan: it was '}
          <StatusChip code={markFrom} codeNames={codeNames} /> ({codeNameOf(codeNames, markFrom)} → {codeNameOf(codeNames, gridCode)})
        </div>
      )}
      {changedSinceScan && !pastKind && (
        <div className="note" data-testid="changed-since-scan">
          The frame changed since the scan: it was {STATUS_LABELS[statusOf(gridCode)].toLowerCase()} then
          {statusOf(gridCode) === 'paged' && status === 'mapped' ? ' and has paged in since (asking for it requested the page-in)' : ''}.
        </div>
      )}

      <FrameHistoryList gfn={gfn} codeNames={codeNames} />

      <div className="frame-actions">
        <button type="button" className="btn btn-small" disabled={readStatus === 'loading' || readStatus === 'unavailable'} onClick={() => void readSelected('observe')}
          title="Map the frame again, once">
          Read again
        </button>
        <button type="button" className="btn btn-small" disabled={!bytes} onClick={() => void copy('hex')}>
          Copy as hex
        </button>
        <button type="button" className="btn btn-small" disabled={!bytes} onClick={() => void copy('text')}>
          Copy as text
        </button>
        {note && (
          <span className="copy-note" role="status">
            {note}
          </span>
        )}
      </div>

      <div className="hex-view" data-testid="hex-view" data-state={readStatus === 'error' ? 'error' : bytes ? 'bytes' : status ?? readStatus}
        data-highlight={highlight ? highlight.offset : undefined}>
        {readStatus === 'error' && (
          <div className="hex-explain is-error" role="alert">
            <strong>Could not read the frame.</strong>
            <p>{readError}</p>
            <RetryButton onRetry={() => void readSelected('retry')} />
          </div>
        )}
        {readStatus === 'unavailable' && (
          <div className="hex-explain" data-testid="hex-unavailable">
            <strong>No bytes to show</strong>
            <p>{readError}</p>
          </div>
        )}
        {readStatus !== 'error' && bytes && (
          <HexDump bytes={bytes} baseAddress={gfn * PAGE_SIZE} addressDigits={gfnDigits(frames) + 3}
            highlight={highlight ? { start: highlight.offset, end: highlight.offset + highlight.length } : null} />
        )}
        {readStatus !== 'error' && !bytes && code !== null && (
          <div className={`hex-explain is-${status}`} data-testid="hex-explain">
            {code === CODE_PAGED ? (
              <>
                <strong>Paged out (ENOENT)</strong>
                <p>The frame is paged out; asking for it made Xen start paging it in.</p>
                <p className="dim">Retry asks again until the page-in completes (retry mode), then shows the bytes.</p>
              </>
            ) : code === CODE_MAPPED ? (
              <>
                <strong>Mapped, but no bytes came back</strong>
                <p>The inspector reported the frame mapped without its contents.</p>
              </>
            ) : (
              <>
                <strong>
                  Invalid: {errnoName} <span className="dim">(code {code})</span>
                </strong>
                <p>{errnoName === 'EINVAL' ? 'No page there: a hole, never populated, or ballooned out.' : 'Xen would not map this frame for this caller.'}</p>
                {errnoName && ERRNO_HINTS[errnoName] && <p className="dim">{errnoName}: {ERRNO_HINTS[errnoName]}.</p>}
              </>
            )}
            {/* Only a paged-out frame comes back by asking again; a hole stays a hole. */}
            {code === CODE_PAGED && <RetryButton busy={readStatus === 'loading'} onRetry={() => void readSelected('retry')} />}
          </div>
        )}
        {readStatus === 'loading' && !bytes && code === null && <div className="hex-explain dim">Reading frame…</div>}
      </div>
    </div>
  );
}

function RetryButton({ onRetry, busy }: { onRetry: () => void; busy?: boolean }) {
  return (
    <button type="button" className="btn btn-primary btn-small" data-testid="hex-retry" disabled={busy} onClick={onRetry}
      title="Read the frame in retry mode: ask again while it is paged out">
      {busy ? 'Retrying…' : 'Retry'}
    </button>
  );
}
