/** The bottom line: host, transport, ABI, version, and the grid's keys. */
import type { PrivcmdAbiName } from '../../app/api';
import { useFs } from '../store/react';

/** The grid's keys, and the tools' (wide: left out of a narrow window; their buttons' tooltips say them). */
const KEYS: ReadonlyArray<[keys: string, what: string, wide?: boolean]> = [
  ['F5', 'rescan'],
  ['Ctrl+R', 'auto', true],
  ['Ctrl+I', 'page in', true],
  ['Ctrl+F', 'find'],
  ['Ctrl+T', 'timeline', true],
  ['wheel', 'zoom', true],
  ['drag', 'pan', true],
  ['shift+drag', 'box'],
  ['?', 'all keys'],
];

const ABI_CHOICES: ReadonlyArray<[value: '' | PrivcmdAbiName, label: string]> = [
  ['', 'ioctl: auto'],
  ['v2', 'ioctl: V2 only'],
  ['v1', 'ioctl: V1'],
];

export function StatusBar() {
  const host = useFs((s) => s.host);
  const chosenAbi = useFs((s) => s.scanAbi);
  const setScanAbi = useFs((s) => s.setScanAbi);
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
          {host.backend !== 'dump' && (
            <select
              className="statusbar-select"
              data-testid="abi-select"
              aria-label="privcmd ioctl for scans, reads and searches"
              title="Which privcmd ioctl to map with: auto (V2, V1 on kernels without it), V2 only, or V1 even where the kernel has V2"
              value={chosenAbi ?? ''}
              onChange={(e) => setScanAbi(e.target.value === '' ? null : (e.target.value as PrivcmdAbiName))}
            >
              {ABI_CHOICES.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          )}
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
