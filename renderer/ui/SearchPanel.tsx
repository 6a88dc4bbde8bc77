/**
 * Search of guest memory: text (ASCII or UTF-16LE) or hex bytes over a range (by default the
 * range of the scan controls), progress, and the hits: where (gfn, offset, address) and the
 * bytes around each match, the match highlighted. A hit opens the hex view on it; the hits'
 * frames are marked on the grid.
 */
import { useId } from 'react';

import type { SearchHit } from '../../app/api';
import { formatAddress, formatCount, formatDuration, formatGfn } from '../format';
import { isPrintable } from '../hex/hex-format';
import { isPhaseActive } from '../store';
import { useFs } from '../store/react';
import { SEARCH_MAX_HITS } from '../store/search-slice';
import type { SearchKind } from '../store/types';

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** The context bytes as hex and text, split around the match. */
function ContextBytes({ hit, length }: { hit: SearchHit; length: number }) {
  const c = hit.context;
  const at = hit.contextOffset;
  const end = Math.min(c.length, at + Math.max(1, length));
  const hex = (from: number, to: number) => Array.from(c.subarray(from, to), (b) => HEX[b]).join(' ');
  const text = (from: number, to: number) => Array.from(c.subarray(from, to), (b) => (isPrintable(b) ? String.fromCharCode(b) : '.')).join('');
  return (
    <>
      <span className="hit-ascii">
        {text(0, at)}
        <mark>{text(at, end)}</mark>
        {text(end, c.length)}
      </span>
      <span className="hit-hex">
        {hex(0, at)} <mark>{hex(at, end)}</mark> {hex(end, c.length)}
      </span>
    </>
  );
}

function HitList() {
  // The hits live outside the store: re-render when their version moves.
  useFs((s) => s.hitsVersion);
  const hits = useFs((s) => s.searchHits());
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const showHit = useFs((s) => s.showHit);
  const highlight = useFs((s) => s.hexHighlight);
  if (hits.count === 0) return null;
  return (
    <ol className="hit-list" data-testid="search-hits" aria-label="Search hits">
      {hits.hits.map((hit, i) => {
        const selected = highlight?.gfn === hit.gfn && highlight.offset === hit.offset;
        return (
          <li key={`${hit.gfn}:${hit.offset}`}>
            <button type="button" className={`hit${selected ? ' is-selected' : ''}`} data-testid="search-hit" data-gfn={hit.gfn} data-offset={hit.offset}
              onClick={() => showHit(i)} title="Show the frame, its bytes scrolled to the match">
              <span className="hit-where">
                <b>{formatGfn(hit.gfn, frames)}</b>
                <span>+{hit.offset.toString(16).padStart(3, '0')}</span>
                <span className="dim">{formatAddress(hit.gfn, frames).replace(/000$/, hit.offset.toString(16).padStart(3, '0'))}</span>
              </span>
              <ContextBytes hit={hit} length={hits.patternLength} />
            </button>
          </li>
        );
      })}
    </ol>
  );
}

function SearchStatus() {
  const run = useFs((s) => s.search);
  if (!run) return null;
  const fraction = run.frames > 0 ? Math.min(1, run.scanned / run.frames) : 0;
  const active = isPhaseActive(run.phase);
  const summary = run.summary;
  let text: string;
  if (run.phase === 'failed') text = run.error ?? 'the search failed';
  else if (active) text = `${run.phase === 'starting' ? 'Starting' : run.phase === 'stopping' ? 'Stopping' : 'Searching'} · ${(fraction * 100).toFixed(0)}% of ${formatCount(run.frames)} frames · ${formatCount(run.hits)} ${run.hits === 1 ? 'hit' : 'hits'}`;
  else if (summary) {
    text = `${formatCount(summary.hits)} ${summary.hits === 1 ? 'hit' : 'hits'} in ${formatCount(summary.scanned)} frames ` +
      `(${formatCount(summary.mappedFrames)} mapped) · ${formatDuration(summary.durationMs)}${summary.cancelled ? ' · stopped' : ''}`;
  } else text = '';
  return (
    <div className="search-status" data-testid="search-status" data-state={run.phase} data-hits={run.hits}>
      <div className="progress-bar" role="progressbar" aria-label="Search progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(fraction * 100)}>
        <div className={`progress-fill progress-${active ? 'running' : run.phase === 'failed' ? 'failed' : 'done'}`} style={{ transform: `scaleX(${active ? fraction : 1})` }} />
      </div>
      <div className={run.phase === 'failed' || summary?.error ? 'text-error' : 'dim'} role={run.phase === 'failed' ? 'alert' : undefined}>
        {text}
      </div>
      {summary?.error && <div className="text-error" role="alert">{summary.error}</div>}
      {summary?.truncated && (
        <div className="search-note" data-testid="search-truncated">
          Only the first {formatCount(SEARCH_MAX_HITS)} hits are listed: there are more. Narrow the range or the pattern.
        </div>
      )}
    </div>
  );
}

export function SearchPanel() {
  const id = useId();
  const open = useFs((s) => s.searchOpen);
  const text = useFs((s) => s.searchText);
  const kind = useFs((s) => s.searchKind);
  const firstText = useFs((s) => s.searchFirstText);
  const lastText = useFs((s) => s.searchLastText);
  const scanFirst = useFs((s) => s.rangeFirstText);
  const scanLast = useFs((s) => s.rangeLastText);
  const frames = useFs((s) => s.domains.find((d) => d.id === s.domainId)?.frames ?? null);
  const run = useFs((s) => s.search);
  const connected = useFs((s) => s.connection !== 'closed');
  // A string, not the query object: a selector must return the same value while nothing changed.
  const queryError = useFs((s) => {
    const q = s.searchQuery();
    return q.ok ? null : q.error;
  });
  const setText = useFs((s) => s.setSearchText);
  const setKind = useFs((s) => s.setSearchKind);
  const setRange = useFs((s) => s.setSearchRange);
  const startSearch = useFs((s) => s.startSearch);
  const stopSearch = useFs((s) => s.stopSearch);
  const clearSearch = useFs((s) => s.clearSearch);
  const setOpen = useFs((s) => s.setSearchOpen);
  if (!open) return null;
  const active = run !== null && isPhaseActive(run.phase);
  const showError = queryError !== null && text !== '';

  return (
    <section className="search-panel" data-testid="search-panel" aria-label="Search memory">
      <div className="panel-header">
        <h2>Search memory</h2>
        <span className="toolbar-spacer" />
        {run && !active && (
          <button type="button" className="btn btn-small btn-ghost" onClick={clearSearch} title="Forget the hits and their marks">
            Clear
          </button>
        )}
        <button type="button" className="btn btn-small btn-ghost" onClick={() => setOpen(false)} aria-label="Close the search" title="Close">
          ✕
        </button>
      </div>
      <form className="search-form" onSubmit={(e) => {
        e.preventDefault();
        if (!active) void startSearch();
      }}>
        <div className="search-row">
          <select className="select select-small" aria-label="What to look for" data-testid="search-kind" value={kind}
            onChange={(e) => setKind(e.target.value as SearchKind)}>
            <option value="ascii">Text (ASCII)</option>
            <option value="utf16le">Text (UTF-16LE)</option>
            <option value="hex">Hex bytes</option>
          </select>
          <input className={`input input-small search-input${showError ? ' is-invalid' : ''}`} data-testid="search-text" value={text}
            placeholder={kind === 'hex' ? 'de ad be ef' : 'text to find'} spellCheck={false} autoComplete="off" aria-label="Search for"
            aria-invalid={showError} onChange={(e) => setText(e.target.value)} />
        </div>
        <div className="search-row">
          <label className="field-label" htmlFor={`${id}-first`}>Range</label>
          <input id={`${id}-first`} className="input input-small input-gfn" data-testid="search-first" value={firstText} spellCheck={false}
            placeholder={scanFirst || '0x0'} onChange={(e) => setRange('first', e.target.value)}
            title="First gfn to search; empty: the scan range's" />
          <span className="range-dash">–</span>
          <input className="input input-small input-gfn" data-testid="search-last" aria-label="Last gfn to search" value={lastText} spellCheck={false}
            placeholder={scanLast || (frames ? formatGfn(frames - 1, frames) : 'last gfn')} onChange={(e) => setRange('last', e.target.value)}
            title="Last gfn to search, inclusive; empty: the scan range's" />
          <span className="toolbar-spacer" />
          {active ? (
            <button type="button" className="btn btn-small btn-danger" data-testid="search-stop" disabled={run?.phase === 'stopping'} onClick={() => void stopSearch()}>
              Stop
            </button>
          ) : (
            <button type="submit" className="btn btn-small btn-primary" data-testid="search-button" disabled={queryError !== null || !connected}
              title={queryError ?? 'Search the mapped frames of the range (paged-out frames are not paged in)'}>
              Search
            </button>
          )}
        </div>
        {showError && <div className="inline-error" role="alert">{queryError}</div>}
      </form>
      <SearchStatus />
      <HitList />
    </section>
  );
}
