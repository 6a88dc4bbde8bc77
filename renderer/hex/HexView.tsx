/**
 * The bytes of the selected frame: frame offset, guest-physical address, 16 bytes in hex and
 * ASCII per row. 4096 bytes are 256 rows of three text nodes each, cheap enough to render whole.
 * A highlighted range (a search hit) is marked in both columns and scrolled into view.
 */
import { memo, useEffect, useMemo, useRef } from 'react';

import { hex } from '../format';
import { BYTES_PER_ROW, hexRows } from './hex-format';

const HEADER = Array.from({ length: BYTES_PER_ROW }, (_, i) => i.toString(16).padStart(2, '0'))
  .map((h, i) => (i === 8 ? ` ${h}` : h))
  .join(' ');

/** Where byte j of a row starts in its hex text ("00 11 ... 77  88 ..."). */
function hexColumn(j: number): number {
  return j * 3 + (j >= 8 ? 1 : 0);
}

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

export const HexDump = memo(function HexDump({ bytes, baseAddress, addressDigits, highlight }: {
  bytes: Uint8Array; baseAddress: number; addressDigits: number; highlight?: ByteRange | null;
}) {
  const rows = useMemo(() => hexRows(bytes), [bytes]);
  const marked = useRef<HTMLDivElement>(null);
  const start = highlight?.start ?? -1;
  useEffect(() => {
    marked.current?.scrollIntoView({ block: 'center' });
  }, [start, bytes]);
  const end = highlight ? Math.min(bytes.length, highlight.end) : -1;
  const firstRow = start >= 0 ? start - (start % BYTES_PER_ROW) : -1;

  return (
    <div className="hex-dump" role="table" aria-label="Frame contents">
      <div className="hex-row hex-header" role="row">
        <span className="hex-off">off</span>
        <span className="hex-addr">address</span>
        <span className="hex-bytes">{HEADER}</span>
        <span className="hex-ascii">ascii</span>
      </div>
      {rows.map((row) => {
        const rowEnd = row.offset + BYTES_PER_ROW;
        const hit = start >= 0 && row.offset < end && rowEnd > start;
        if (!hit) {
          return (
            <div key={row.offset} className={`hex-row${row.zero ? ' is-zero' : ''}`} role="row">
              <span className="hex-off">+{row.offset.toString(16).padStart(3, '0')}</span>
              <span className="hex-addr">{hex(baseAddress + row.offset, addressDigits)}</span>
              <span className="hex-bytes">{row.hex}</span>
              <span className="hex-ascii">{row.ascii}</span>
            </div>
          );
        }
        const a = Math.max(start, row.offset) - row.offset;
        const b = Math.min(end, rowEnd) - row.offset; // exclusive
        return (
          <div key={row.offset} ref={row.offset === firstRow ? marked : undefined} className="hex-row is-hit" role="row" data-testid="hex-hit-row">
            <span className="hex-off">+{row.offset.toString(16).padStart(3, '0')}</span>
            <span className="hex-addr">{hex(baseAddress + row.offset, addressDigits)}</span>
            <span className="hex-bytes"><Marked text={row.hex} from={hexColumn(a)} to={hexColumn(b - 1) + 2} /></span>
            <span className="hex-ascii"><Marked text={row.ascii} from={a} to={b} /></span>
          </div>
        );
      })}
    </div>
  );
});
