/**
 * Rescan automatically every few seconds, and page in the range. (Rescanning once is the Scan
 * button, Enter or F5; the countdown to the next auto-rescan shows in the progress line.)
 */
import { AUTO_RESCAN_CHOICES_MS } from '../store/live-slice';
import { isScanActive } from '../store';
import { useFs } from '../store/react';

function secondsText(ms: number): string {
  return `${ms / 1000} s`;
}

export function LiveControls() {
  const auto = useFs((s) => s.autoRescan);
  const intervalMs = useFs((s) => s.autoRescanMs);
  const active = useFs((s) => isScanActive(s.scan));
  const canRun = useFs((s) => s.domainId !== null && s.connection !== 'closed');
  const box = useFs((s) => s.boxRange !== null);
  const setAutoRescan = useFs((s) => s.setAutoRescan);
  const setInterval = useFs((s) => s.setAutoRescanInterval);
  const startPageIn = useFs((s) => s.startPageIn);

  return (
    <div className="live-controls" role="group" aria-label="Rescans and page-in">
      <label className={`auto-toggle${auto ? ' is-on' : ''}`} title="Rescan the range again and again: the next rescan starts this long after the previous one ends (Ctrl+R)">
        <input type="checkbox" data-testid="auto-rescan" checked={auto} disabled={!canRun} onChange={(e) => setAutoRescan(e.target.checked)} />
        Auto-rescan
      </label>
      <select className="select select-small auto-interval" aria-label="Auto-rescan interval" data-testid="auto-rescan-interval" value={intervalMs}
        onChange={(e) => setInterval(Number(e.target.value))} title="Pause between the end of one rescan and the start of the next">
        {AUTO_RESCAN_CHOICES_MS.map((ms) => (
          <option key={ms} value={ms}>
            {secondsText(ms)}
          </option>
        ))}
      </select>
      <button type="button" className="btn" data-testid="page-in-button" disabled={!canRun || active} onClick={() => void startPageIn()}
        title={`Page in the ${box ? 'box selection' : 'range'}: ask Xen for its paged-out frames until they map (Ctrl+I)`}>
        Page in
      </button>
    </div>
  );
}
