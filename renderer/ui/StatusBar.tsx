/** The bottom line: host, transport, ABI, version, and the grid's keys. */
import { useFs } from '../store/react';

/** The grid's keys, and the tools' (wide: left out of a narrow window; their buttons' tooltips say them). */
const KEYS: ReadonlyArray<[keys: string, what: string, wide?: boolean]> = [
  ['F5', 'rescan'],
  ['Ctrl+R', 'auto', true],
  ['Ctrl+I', 'page in', true],
  ['Ctrl+F', 'find'],
  ['Ctrl+T', 'timeline', true],
  ['wheel', 'zoom'],
  ['drag', 'pan'],
  ['shift+drag', 'box'],
  ['?', 'all keys'],
];

export function StatusBar() {
  const host = useFs((s) => s.host);
  const connection = useFs((s) => s.connection);
  // the host reports the ioctl once a batch has run; the last scan's summary knows it since
  const scanAbi = useFs((s) => s.scan?.summary?.abi ?? null);
  const abi = scanAbi ?? host?.abi ?? null;
  return (
    <footer className="statusbar">
      {host ? (
        <>
          <span title="What is being inspected">{host.description}</span>
          <span>host {host.hostname}</span>
          <span>backend {host.backend}</span>
          <span title="The privcmd batch ioctl in use: V2, or V1 on kernels without it" data-testid="abi">
            ABI {abi === 'v2' ? 'MMAPBATCH_V2' : abi === 'v1' ? 'MMAPBATCH (V1)' : '–'}
          </span>
          <span>framescope {host.version}</span>
        </>
      ) : (
        <span>Connecting…</span>
      )}
      <span className={`conn conn-${connection}`} data-testid="connection-state">
        {connection === 'local' ? 'desktop' : connection === 'open' ? 'connected' : 'disconnected'}
      </span>
      <span className="statusbar-keys" title={KEYS.map(([keys, what]) => `${keys} ${what}`).join(' · ')}>
        {KEYS.map(([keys, what, wide]) => (
          <span key={keys} className={wide ? 'statusbar-key is-wide' : 'statusbar-key'}>
            {keys} {what}
          </span>
        ))}
      </span>
    </footer>
  );
}
