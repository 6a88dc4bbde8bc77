/**
 * The bytes of the selected frame: frame offset, guest-physical address, 16 bytes in hex and
 * ASCII per row. 4096 bytes are 256 rows of three text nodes each, cheap enough to render whole.
 */
import { memo, useMemo } from 'react';

import { hex } from '../format';
import { BYTES_PER_ROW, hexRows } from './hex-format';

const HEADER = Array.from({ length: BYTES_PER_ROW }, (_, i) => i.toString(16).padStart(2, '0'))
  .map((h, i) => (i === 8 ? ` ${h}` : h))
  .join(' ');

export const HexDump = memo(function HexDump({ bytes, baseAddress, addressDigits }: { bytes: Uint8Array; baseAddress: number; addressDigits: number }) {
  const rows = useMemo(() => hexRows(bytes), [bytes]);
  return (
    <div className="hex-dump" role="table" aria-label="Frame contents">
      <div className="hex-row hex-header" role="row">
        <span className="hex-off">off</span>
        <span className="hex-addr">address</span>
        <span className="hex-bytes">{HEADER}</span>
        <span className="hex-ascii">ascii</span>
      </div>
      {rows.map((row) => (
        <div key={row.offset} className={`hex-row${row.zero ? ' is-zero' : ''}`} role="row">
          <span className="hex-off">+{row.offset.toString(16).padStart(3, '0')}</span>
          <span className="hex-addr">{hex(baseAddress + row.offset, addressDigits)}</span>
          <span className="hex-bytes">{row.hex}</span>
          <span className="hex-ascii">{row.ascii}</span>
        </div>
      ))}
    </div>
  );
});
