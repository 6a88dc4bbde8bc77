/** The window: top bar (domain, scan), the frame grid with its legend, and the frame panel. */
import { FrameGrid } from '../grid/FrameGrid';
import { FramePanel } from '../hex/FramePanel';
import { useFs } from '../store/react';
import { ErrorBoundary } from './ErrorBoundary';
import { FatalScreen } from './FatalScreen';
import { Legend } from './Legend';
import { StatusBar } from './StatusBar';
import { TopBar } from './TopBar';

export function App() {
  const hostStatus = useFs((s) => s.hostStatus);
  const hostError = useFs((s) => s.hostError);
  const connection = useFs((s) => s.connection);
  const init = useFs((s) => s.init);

  if (hostStatus === 'error') {
    return <FatalScreen title="The inspector did not answer" message={hostError ?? undefined} onRetry={() => void init()} />;
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
        <section className="grid-pane" aria-label="Frame grid">
          <ErrorBoundary name="frame grid">
            <FrameGrid />
          </ErrorBoundary>
          <ErrorBoundary name="legend">
            <Legend />
          </ErrorBoundary>
        </section>
        <aside className="side-pane" aria-label="Selected frame">
          <ErrorBoundary name="frame panel">
            <FramePanel />
          </ErrorBoundary>
        </aside>
      </main>
      <StatusBar />
    </div>
  );
}
