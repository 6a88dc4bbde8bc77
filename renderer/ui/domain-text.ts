/** How a domain is described in the picker and elsewhere. */
import type { DomainInfo } from '../../app/api';
import { PAGE_SIZE, formatBytes, formatCount } from '../format';

export function memoryText(d: DomainInfo): string {
  if (d.memoryKiB === null) return 'memory unknown';
  const now = formatBytes(d.memoryKiB * 1024);
  if (d.maxMemoryKiB !== null && d.maxMemoryKiB !== d.memoryKiB) return `${now} of ${formatBytes(d.maxMemoryKiB * 1024)} max`;
  return now;
}

export function framesText(d: DomainInfo): string {
  return d.frames === null ? 'frame count unknown' : `${formatCount(d.frames)} frames`;
}

export function domainOptionText(d: DomainInfo): string {
  return `${d.id} · ${d.name} — ${memoryText(d)} · ${framesText(d)}`;
}

/** The gfn space the frame count spans (highest gfn + 1, times the page size). */
export function gfnSpaceText(d: DomainInfo): string | null {
  return d.frames === null ? null : `${formatBytes(d.frames * PAGE_SIZE)} of gfn space`;
}
