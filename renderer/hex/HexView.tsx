/**
 * The bytes of the selected frame: frame offset, guest-physical address, hex and ASCII per row;
 * 16 bytes a row where the hex view is wide enough for them, else 8, so that the ASCII column
 * stays in view. 4096 bytes are 256 (or 512) rows of a few text nodes each, cheap enough to
 * render whole. A highlighted range (a search hit) is marked in both columns and scrolled into view.
 */
import { type RefObject, memo, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';

import { hex } from '../format';
import { BYTES_PER_ROW, NARROW_BYTES_PER_ROW, hexHeader, hexRows, rowMark } from './hex-format';

export interface ByteRange {
  /** First byte, and the end (exclusive), as frame offsets. */
  start: number;
  end: number;
}

function Marked({ text, from, to }: { text: string; from: number; to: number }) {
  return (
    <>
      {text.slice(0, from)}
      <mark>{text.slice(from, to)}</mark>
      {text.slice(to)}
    </>
  );
}

/**
 * 16 if a full row fits the width the hex view offers, else 8. The probe is a hidden row of
 * 16 bytes in the dump's own font and spacing: its width is what such a row needs. Both are
 * watched, the view for the side pane's size and the probe for fonts that load late.
 */
function useBytesPerRow(fit: RefObject<HTMLDivElement | null>, probe: RefObject<HTMLDivElement | null>): number {
  const [perRow, setPerRow] = useState(BYTES_PER_ROW);
  useLayoutEffect(() => {
    const room = fit.current;
    const wide = probe.current;
    if (!room || !wide) return;
    const measure = () => setPerRow(wide.offsetWidth <= room.clientWidth ? BYTES_PER_ROW : NARROW_BYTES_PER_ROW);
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(room);
    observer.observe(wide);
    return () => observer.disconnect();
  }, [fit, probe]);
  return perRow;
}

export const HexDump = memo(function HexDump({ bytes, baseAddress, addressDigits, highlight }: {
  bytes: Uint8Array; baseAddress: number; addressDigits: number; highlight?: ByteRange | null;
}) {
  const fit = useRef<HTMLDivElement>(null);
  const probe = useRef<HTMLDivElement>(null);
  const perRow = useBytesPerRow(fit, probe);
  const rows = useMemo(() => hexRows(bytes, perRow), [bytes, perRow]);
  const marked = useRef<HTMLDivElement>(null);
  const start = highlight?.start ?? -1;
  useEffect(() => {
    marked.current?.scrollIntoView({ block: 'center' });
  }, [start, bytes, perRow]);
  const end = highlight ? Math.min(bytes.length, highlight.end) : -1;
  const firstRow = start >= 0 ? start - (start % perRow) : -1;
  const offsetText = (offset: number) => `+${offset.toString(16).padStart(3, '0')}`;

  return (
    <div className="hex-fit" ref={fit}>
      <div className="hex-dump" role="table" aria-label="Frame contents" data-bytes-per-row={perRow}>
        <div className="hex-measure" aria-hidden="true">
          <div className="hex-row hex-probe" ref={probe}>
            <span className="hex-off">{offsetText(0)}</span>
            <span className="hex-addr">{hex(baseAddress, addressDigits)}</span>
            <span className="hex-bytes">{hexHeader(BYTES_PER_ROW)}</span>
            <span className="hex-ascii">{'.'.repeat(BYTES_PER_ROW)}</span>
          </div>
        </div>
        <div className="hex-row hex-header" role="row">
          <span className="hex-off">off</span>
          <span className="hex-addr">{'address'.padEnd(addressDigits + 2)}</span>
          <span className="hex-bytes">{hexHeader(perRow)}</span>
          <span className="hex-ascii">ascii</span>
        </div>
        {rows.map((row) => {
          const mark = start >= 0 ? rowMark(row.offset, perRow, start, end) : null;
          if (!mark) {
            return (
              <div key={row.offset} className={`hex-row${row.zero ? ' is-zero' : ''}`} role="row">
                <span className="hex-off">{offsetText(row.offset)}</span>
                <span className="hex-addr">{hex(baseAddress + row.offset, addressDigits)}</span>
                <span className="hex-bytes">{row.hex}</span>
                <span className="hex-ascii">{row.ascii}</span>
              </div>
            );
          }
          return (
            <div key={row.offset} ref={row.offset === firstRow ? marked : undefined} className="hex-row is-hit" role="row" data-testid="hex-hit-row">
              <span className="hex-off">{offsetText(row.offset)}</span>
              <span className="hex-addr">{hex(baseAddress + row.offset, addressDigits)}</span>
              <span className="hex-bytes"><Marked text={row.hex} from={mark.hex[0]} to={mark.hex[1]} /></span>
              <span className="hex-ascii"><Marked text={row.ascii} from={mark.ascii[0]} to={mark.ascii[1]} /></span>
            </div>
          );
        })}
      </div>
    </div>
  );
});
