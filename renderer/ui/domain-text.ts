/** How a domain is described in the picker and elsewhere. */
import type { DomainInfo } from '../../app/api';
import { PAGE_SIZE, formatBytes, formatCount } from '../format';

/** Bytes the hypervisor counts (XENMEM_*_reservation) when it said, else xenstore's KiB. */
function sizeBytes(pages: number | null | undefined, kib: number | null): number | null {
  if (pages !== null && pages !== undefined) return pages * PAGE_SIZE;
  return kib === null ? null : kib * 1024;
}

export function memoryText(d: DomainInfo): string {
  const now = sizeBytes(d.currentPages, d.memoryKiB);
  const max = sizeBytes(d.maxPages, d.maxMemoryKiB);
  if (now === null) return 'memory unknown';
  if (max !== null && max !== now) return `${formatBytes(now)} of ${formatBytes(max)} max`;
  return formatBytes(now);
}

export function domainOptionText(d: DomainInfo): string {
  const type = d.type ? ` · ${d.type.toUpperCase()}` : '';
  return `${d.id} · ${d.name}${type} — ${memoryText(d)} · ${framesText(d)}`;
}

export function framesText(d: DomainInfo): string {
  return d.frames === null ? 'frame count unknown' : `${formatCount(d.frames)} frames`;
}


/** The gfn space the frame count spans (highest gfn + 1, times the page size). */
export function gfnSpaceText(d: DomainInfo): string | null {
  return d.frames === null ? null : `${formatBytes(d.frames * PAGE_SIZE)} of gfn space`;
}
