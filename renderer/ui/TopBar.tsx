/** The top bar: what is inspected (domain picker, simulated-host badge) and the scan controls. */
import { isScanActive } from '../store';
import { useFs } from '../store/react';
import { DomainPicker } from './DomainPicker';
import { ScanControls } from './ScanControls';
import { ScanProgress } from './ScanProgress';

export function TopBar() {
  const host = useFs((s) => s.host);
  const active = useFs((s) => isScanActive(s.scan));
  return (
    <header className="topbar">
      <div className="topbar-row">
        <div className="brand" title={host ? `framescope ${host.version}` : 'framescope'}>
          <span className={`brand-mark${active ? ' is-active' : ''}`} aria-hidden="true" />
          framescope
        </div>
        <DomainPicker />
        <div className="topbar-spacer" />
        {host?.simulated && (
          <span className="sim-badge" data-testid="sim-badge" title={host.description}>
            Simulated host
          </span>
        )}
        {host && (
          <span className="host-description" data-testid="host-description" title={`${host.hostname} · backend ${host.backend}`}>
            {host.description}
          </span>
        )}
      </div>
      <div className="topbar-row topbar-scan">
        <ScanControls />
        <ScanProgress />
      </div>
    </header>
  );
}
