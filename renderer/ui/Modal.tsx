/** A dialog over the window: Escape or a click outside closes it; focus moves into it. */
import { type ReactNode, useEffect, useRef } from 'react';

export function Modal({ title, onClose, testId, children, wide }: { title: string; onClose: () => void; testId: string; children: ReactNode; wide?: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const previous = document.activeElement as HTMLElement | null;
    const first = box.current?.querySelector<HTMLElement>('select, input, button:not(.modal-close)');
    (first ?? box.current)?.focus();
    return () => previous?.focus?.();
  }, []);
  return (
    <div className="modal-backdrop" onPointerDown={(e) => e.target === e.currentTarget && onClose()}>
      <div ref={box} className={`modal${wide ? ' modal-wide' : ''}`} role="dialog" aria-modal="true" aria-label={title} data-testid={testId} tabIndex={-1}>
        <div className="modal-header">
          <h2>{title}</h2>
          <button type="button" className="btn btn-small btn-ghost modal-close" onClick={onClose} aria-label="Close (Esc)" title="Close (Esc)">
            ✕
          </button>
        </div>
        <div className="modal-body">{children}</div>
      </div>
    </div>
  );
}
