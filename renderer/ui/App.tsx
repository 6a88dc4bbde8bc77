/**
 * The window: top bar (domain, tools, scan), the frame grid with the past-view banner, the
 * timeline and the legend; the side pane with the search, the diff and the frame panel; and
 * what floats over all of it (dialogs, messages, the drop target).
 */
import { FrameGrid } from '../grid/FrameGrid';
import { FramePanel } from '../hex/FramePanel';
import { useFramescopeStore, useFs } from '../store/react';
import { DiffDialog } from './DiffDialog';
import { DiffPanel } from './DiffPanel';
import { ErrorBoundary } from './ErrorBoundary';
import { FatalScreen } from './FatalScreen';
import { startupErrorText } from './startup-error';
import { FileDrop, SnapshotInput } from './FileDrop';
import { Legend } from './Legend';
import { Notices } from './Notices';
import { PastViewBanner } from './PastViewBanner';
import { RegionsPanel } from './RegionsPanel';
import { SearchPanel } from './SearchPanel';
import { ShortcutsOverlay } from './ShortcutsOverlay';
import { StatusBar } from './StatusBar';
import { TimelinePanel } from './TimelinePanel';
import { TopBar } from './TopBar';
import { useCommands } from './useCommands';

export function App() {
  const store = useFramescopeStore();
  const hostStatus = useFs((s) => s.hostStatus);
  const hostError = useFs((s) => s.hostError);
  const connection = useFs((s) => s.connection);
  const init = useFs((s) => s.init);
  const past = useFs((s) => s.pastView !== null);
  useCommands(store);

  if (hostStatus === 'error') {
    const { title, hint } = startupErrorText(hostError);
    return <FatalScreen title={title} message={hostError ?? undefined} hint={hint} onRetry={() => void init()} />;
  }
  return (
    <div className="app">
      <TopBar />
      {connection === 'closed' && (
        <div className="banner banner-error" role="alert" data-testid="connection-lost">
          The connection to the framescope server was lost. What is on screen is what was known then.
          <button type="button" className="btn btn-small" onClick={() => window.location.reload()}>
            Reconnect
          </button>
        </div>
      )}
      {hostError && hostStatus === 'ready' && (
        <div className="banner banner-error" role="alert">
          {hostError}
        </div>
      )}
      <main className="workspace">
        <section className={`grid-pane${past ? ' is-past' : ''}`} aria-label="Frame grid">
          <PastViewBanner />
          <ErrorBoundary name="frame grid">
            <FrameGrid />
          </ErrorBoundary>
          <ErrorBoundary name="timeline">
            <TimelinePanel />
          </ErrorBoundary>
          <ErrorBoundary name="legend">
            <Legend />
          </ErrorBoundary>
        </section>
        <aside className="side-pane" aria-label="Selected frame">
          <ErrorBoundary name="search">
            <SearchPanel />
          </ErrorBoundary>
          <ErrorBoundary name="diff">
            <DiffPanel />
          </ErrorBoundary>
          <ErrorBoundary name="regions"><RegionsPanel bar={false} /></ErrorBoundary>
          <ErrorBoundary name="frame panel">
            <FramePanel />
          </ErrorBoundary>
        </aside>
      </main>
      <StatusBar />
      <DiffDialog />
      <ShortcutsOverlay />
      <Notices />
      <FileDrop />
      <SnapshotInput />
    </div>
  );
}
