/**
 * Says loudly that the grid shows the past (a scan of the session, a snapshot, or a diff),
 * with the way back to the live grid. The grid frame is outlined in the same colour.
 */
import type { ScanRecordInfo } from '../../app/api';
import { formatCount, formatGfn } from '../format';
import { useFs } from '../store/react';
import { recordTime } from './record-text';

function origin(r: ScanRecordInfo): string {
  return `${r.origin.backend} on ${r.origin.hostname}`;
}

function range(r: ScanRecordInfo): string {
  const end = r.summary.last + 1;
  return `${formatGfn(r.summary.first, end)}–${formatGfn(r.summary.last, end)}`;
}

export function PastViewBanner() {
  const past = useFs((s) => s.pastView);
  const backToLive = useFs((s) => s.backToLive);
  if (!past) return null;
  const r = past.record;
  let label: string;
  let detail: string;
  if (past.kind === 'diff' && past.diff) {
    const d = past.diff;
    label = 'Diff';
    detail = `${d.a.kind} ${recordTime(d.a)} → ${d.b.kind} ${recordTime(d.b)} · ${d.b.domainName} (dom${d.b.domain}) · ` +
      `${formatCount(d.changed)} of ${formatCount(d.compared)} frames differ · showing B, differing frames in white`;
  } else if (past.kind === 'snapshot') {
    label = 'Snapshot';
    detail = `${r.fileName ?? ''} · ${r.domainName} (dom${r.domain}) · ${range(r)} · taken ${recordTime(r, true)} · from ${origin(r)}`;
  } else {
    label = past.kind === 'page-in' ? 'Past page-in' : 'Past scan';
    detail = `${r.domainName} (dom${r.domain}) · ${range(r)} · ended ${recordTime(r, true)} · ${origin(r)}`;
  }
  return (
    <div className="past-banner" role="status" data-testid="past-banner" data-kind={past.kind}>
      <span className="past-label">{label}</span>
      <span className="past-detail" title={`${detail}\n${r.origin.description}`}>
        {detail}
      </span>
      <button type="button" className="btn btn-small btn-live" data-testid="back-to-live" onClick={backToLive} title="Show the live grid again">
        ● Back to live
      </button>
    </div>
  );
}
