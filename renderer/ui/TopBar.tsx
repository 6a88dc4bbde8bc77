/**
 * The top bar, two rows that do not wrap. The first: the domain picker, the tools, the rescans
 * and page-in, and what is inspected (the host or dump badge, the dumps of the desktop app). The
 * second: the scan controls, then the progress, which takes the width that is left.
 */
import { desktopBridge } from '../platform/desktop';
import { isScanActive } from '../store';
import { errorMessage } from '../store/errors';
import { useFs } from '../store/react';
import { ActionBar } from './ActionBar';
import { DomainPicker } from './DomainPicker';
import { LiveControls } from './LiveControls';
import { ScanControls } from './ScanControls';
import { ScanProgress } from './ScanProgress';
import { DumpMenu, SourceBadge } from './SourceMenu';

export function TopBar() {
  const host = useFs((s) => s.host);
  const active = useFs((s) => isScanActive(s.scan));
  const notify = useFs((s) => s.notify);
  const desktop = desktopBridge();
  return (
    <header className="topbar">
      <div className="topbar-row topbar-main">
        <div className="brand" title={host ? `framescope ${host.version}` : 'framescope'}>
          <span className={`brand-mark${active ? ' is-active' : ''}`} aria-hidden="true" />
          framescope
        </div>
        <DomainPicker />
        <ActionBar />
        <LiveControls />
        <div className="topbar-spacer" />
        <div className="topbar-source">
          <SourceBadge />
          {desktop && host?.backend === 'dump' && (
            <button type="button" className="btn btn-small" data-testid="inspect-host" title="Stop inspecting the dump: back to the host"
              onClick={() => desktop.inspectHost().catch((e) => notify('error', `Back to the host: ${errorMessage(e)}`))}>
              Back to host
            </button>
          )}
          <DumpMenu />
          {host && (
            <span className="host-description" data-testid="host-description" title={`${host.hostname} · backend ${host.backend}`}>
              {host.description}
            </span>
          )}
        </div>
      </div>
      <div className="topbar-row topbar-scan">
        <ScanControls />
        <ScanProgress />
      </div>
    </header>
  );
}
