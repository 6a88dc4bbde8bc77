/** Messages: what was saved or opened (gone after a few seconds), and errors (until dismissed). */
import { useEffect } from 'react';

import { useFs } from '../store/react';
import type { Notice } from '../store/types';

const INFO_MS = 6000;

function NoticeItem({ notice }: { notice: Notice }) {
  const dismiss = useFs((s) => s.dismissNotice);
  useEffect(() => {
    if (notice.kind !== 'info') return;
    const timer = window.setTimeout(() => dismiss(notice.id), INFO_MS);
    return () => window.clearTimeout(timer);
  }, [notice, dismiss]);
  return (
    <div className={`notice notice-${notice.kind}`} role={notice.kind === 'error' ? 'alert' : 'status'} data-testid="notice" data-kind={notice.kind}>
      <span className="notice-text">{notice.text}</span>
      <button type="button" className="btn btn-small btn-ghost" onClick={() => dismiss(notice.id)} aria-label="Dismiss">
        ✕
      </button>
    </div>
  );
}

export function Notices() {
  const notices = useFs((s) => s.notices);
  if (notices.length === 0) return null;
  return (
    <div className="notices" aria-live="polite">
      {notices.map((n) => (
        <NoticeItem key={n.id} notice={n} />
      ))}
    </div>
  );
}
