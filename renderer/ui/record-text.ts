/** How a scan record (a scan, page-in or snapshot of the session) is named in the UI. */
import type { ScanRecordInfo } from '../../app/api';
import { formatCount, formatGfn } from '../format';

/** "12:03:04", or with the date when asked (snapshots may come from any day). */
export function recordTime(r: ScanRecordInfo, withDate = false): string {
  const d = new Date(r.takenAt);
  if (Number.isNaN(d.getTime())) return r.takenAt;
  const time = d.toLocaleTimeString('en-GB', { hour12: false });
  return withDate ? `${d.toISOString().slice(0, 10)} ${time}` : time;
}

/** One line for a picker: "scan · web-01 (dom3) · 0x0–0xffff · 12:03:04". */
export function recordLabel(r: ScanRecordInfo): string {
  const end = r.summary.last + 1;
  const range = `${formatGfn(r.summary.first, end)}–${formatGfn(r.summary.last, end)}`;
  const what = r.kind === 'snapshot' ? `snapshot ${r.fileName ?? ''}`.trim() : r.kind;
  return `${what} · ${r.domainName} (dom${r.domain}) · ${range} · ${formatCount(r.summary.frames)} frames · ${recordTime(r, r.kind === 'snapshot')}`;
}
