/**
 * The renderer's entry: finds the FramescopeApi (Electron preload or the headless server's
 * WebSocket), builds the store on it and renders the app. A failure to connect is shown as
 * such, never as a blank page.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';

import './styles.css';
import { createFramescopeStore } from './store';
import { StoreContext } from './store/react';
import { createFileSink } from './platform/files';
import { connectApi } from './transport/api';
import { App } from './ui/App';
import { FatalScreen } from './ui/FatalScreen';
import { errorMessage } from './store/errors';

async function boot(): Promise<void> {
  const root = createRoot(document.getElementById('root')!);
  root.render(<FatalScreen title="Connecting to the inspector…" busy />);
  let connection;
  try {
    connection = await connectApi();
  } catch (e) {
    root.render(
      <FatalScreen
        title="Cannot reach the framescope inspector"
        message={errorMessage(e)}
        hint="Start it with `framescope serve` and open the URL it prints (it carries the access token), or run the desktop app."
        onRetry={() => window.location.reload()}
      />,
    );
    return;
  }
  const { store } = createFramescopeStore(connection.api, connection.transport === 'electron' ? 'local' : 'open', { files: createFileSink() });
  connection.onConnectionChange?.((state) => store.getState().setConnection(state));
  root.render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
  await store.getState().init();
}

void boot();
