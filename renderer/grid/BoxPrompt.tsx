/** After a shift+drag: rescan the frames selected, page them in, search them, or use them as the scan range. */
import { formatCount, formatGfn } from '../format';
import { isScanActive } from '../store';
import { useFs } from '../store/react';

export function BoxPrompt() {
  const range = useFs((s) => s.boxRange);
  const frames = useFs((s) => s.frameBuffer()?.frames ?? 0);
  const active = useFs((s) => isScanActive(s.scan));
  const rescanBox = useFs((s) => s.rescanBox);
  const setBoxRange = useFs((s) => s.setBoxRange);
  const setRangeText = useFs((s) => s.setRangeText);
  const startPageIn = useFs((s) => s.startPageIn);
  const setSearchRange = useFs((s) => s.setSearchRange);
  const setSearchOpen = useFs((s) => s.setSearchOpen);
  if (!range) return null;
  const first = formatGfn(range.first, frames);
  const last = formatGfn(range.last, frames);
  return (
    <div className="box-prompt" role="dialog" aria-label="Rescan selection" data-testid="box-prompt">
      <span>
        Frames <b>{first}</b>–<b>{last}</b> ({formatCount(range.last - range.first + 1)})
      </span>
      <button type="button" className="btn btn-primary btn-small" data-testid="box-rescan" disabled={active} onClick={() => void rescanBox()}
        title={active ? 'A scan is running' : 'Scan these frames again (Enter)'}>
        Rescan
      </button>
      <button type="button" className="btn btn-small" data-testid="box-page-in" disabled={active} onClick={() => void startPageIn(range)}
        title={active ? 'A scan is running' : 'Page these frames in: ask Xen for the paged-out ones until they map (Ctrl+I)'}>
        Page in
      </button>
      <button type="button" className="btn btn-small" data-testid="box-search" title="Search these frames (Ctrl+F)" onClick={() => {
        setSearchRange('first', first);
        setSearchRange('last', last);
        setSearchOpen(true);
        setBoxRange(null);
      }}>
        Search here
      </button>
      <button
        type="button"
        className="btn btn-small"
        onClick={() => {
          setRangeText('first', first);
          setRangeText('last', last);
          setBoxRange(null);
        }}
      >
        Use as scan range
      </button>
      <button type="button" className="btn btn-small btn-ghost" aria-label="Dismiss (Esc)" title="Dismiss (Esc)" onClick={() => setBoxRange(null)}>
        ✕
      </button>
    </div>
  );
}
