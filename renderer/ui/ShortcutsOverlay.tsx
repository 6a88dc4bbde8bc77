/** F1 or ?: every keyboard shortcut of the app (the same list as the desktop's Help menu). */
import { desktopBridge } from '../platform/desktop';
import { DESKTOP_ONLY_SHORTCUTS, KEYBOARD_SHORTCUTS } from '../shortcuts';
import { useFs } from '../store/react';
import { Modal } from './Modal';

export function ShortcutsOverlay() {
  const open = useFs((s) => s.dialog === 'shortcuts');
  const openDialog = useFs((s) => s.openDialog);
  if (!open) return null;
  const desktop = desktopBridge() !== null;
  return (
    <Modal title="Keyboard shortcuts" onClose={() => openDialog(null)} testId="shortcuts-overlay" wide>
      <table className="shortcuts">
        <tbody>
          {KEYBOARD_SHORTCUTS.map(([keys, what]) => (
            <tr key={keys} data-testid="shortcut" className={!desktop && DESKTOP_ONLY_SHORTCUTS.has(keys) ? 'is-unavailable' : undefined}>
              <td className="shortcut-keys">
                {keys.split(/( \/ | or |, )/).map((part, i) => (/^( \/ | or |, )$/.test(part) ? <span key={i} className="dim">{part}</span> : <kbd key={i}>{part}</kbd>))}
              </td>
              <td>
                {what}
                {!desktop && DESKTOP_ONLY_SHORTCUTS.has(keys) && <span className="dim"> (desktop app)</span>}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="dim shortcuts-note">
        In a browser, Ctrl+T may open a tab instead: the Timeline button does the same. The grid keys work when the grid has the focus (click it).
      </p>
    </Modal>
  );
}
