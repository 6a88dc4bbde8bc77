/**
 * Reading one WebSocket message into a call: MessagePack, a map with a numeric id, t 'call',
 * and no bigger than its method needs. A message larger than a call is walked before it is
 * decoded, so that a few bytes a value cannot make the decoder build millions of them.
 */
import { Decoder } from '@msgpack/msgpack';
import type { RawData } from 'ws';

import type { WireError } from '../inspector-protocol';
import { formatBytes, MAX_CALL_BYTES, MAX_LARGE_MESSAGE_DEPTH, MAX_LARGE_MESSAGE_VALUES } from './limits';

/** Reply id for messages whose own id could not be read. */
export const UNKNOWN_ID = -1;

/** The one method whose message may be larger than MAX_CALL_BYTES. */
const LARGE_METHOD = 'importSnapshot';

export type ReadCall =
  | { ok: true; id: number; method: unknown; args: unknown }
  | { ok: false; id: number; error: WireError };

/** `decoder` reads the small messages; a large one gets a decoder of its own, which keeps no reference to it afterwards. */
export function readCall(decoder: Decoder, data: RawData, isBinary: boolean): ReadCall {
  const refuse = (message: string, id = UNKNOWN_ID, code = 'EPROTO'): ReadCall =>
    ({ ok: false, id, error: { name: 'ProtocolError', message, code } });
  if (!isBinary) return refuse('text frames are not accepted: send one MessagePack value per binary frame');
  const bytes = rawBytes(data);
  const large = bytes.byteLength > MAX_CALL_BYTES;
  if (large) {
    const wrong = shapeError(bytes, MAX_LARGE_MESSAGE_VALUES, MAX_LARGE_MESSAGE_DEPTH);
    if (wrong) return refuse(`a message over ${formatBytes(MAX_CALL_BYTES)} must be one ${LARGE_METHOD} call, and this one ${wrong}`);
  }
  let message: unknown;
  try {
    message = (large ? new Decoder() : decoder).decode(bytes);
  } catch (e) {
    return refuse(`the message is not MessagePack (${e instanceof Error ? e.message : String(e)})`);
  }
  if (!isRecord(message)) return refuse('a message must be a map');
  const id = message.id;
  if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 0) return refuse('a message needs an id: a non-negative integer');
  if (message.t !== 'call') return refuse(`unknown message type ${JSON.stringify(message.t)?.slice(0, 40)}; expected 'call'`, id);
  if (large && message.method !== LARGE_METHOD) {
    return refuse(`${JSON.stringify(message.method)?.slice(0, 40)}: the message is ${bytes.byteLength} bytes; a call is at most ` +
      `${formatBytes(MAX_CALL_BYTES)} (only ${LARGE_METHOD} may be larger)`, id, 'EMSGSIZE');
  }
  return { ok: true, id, method: message.method, args: message.args };
}

/**
 * Walks one MessagePack value without decoding it. Says what is wrong when it holds more than
 * `maxValues` values, nests deeper than `maxDepth`, or is not exactly one whole value; null if
 * none of these. Stops at the first fault, so it costs at most `maxValues` steps.
 */
export function shapeError(bytes: Uint8Array, maxValues: number, maxDepth: number): string | null {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = 0;
  let values = 0;
  /** Values still to read in each open container; the bottom entry is the message itself. */
  const pending = [1];
  const uint = (size: 1 | 2 | 4): number | null => {
    if (pos + size > bytes.byteLength) return null;
    const n = size === 1 ? view.getUint8(pos) : size === 2 ? view.getUint16(pos) : view.getUint32(pos);
    pos += size;
    return n;
  };
  while (pending.length > 0) {
    if (pending[pending.length - 1] === 0) {
      pending.pop();
      continue;
    }
    pending[pending.length - 1]--;
    if (++values > maxValues) return `has more than ${maxValues} values`;
    if (pos >= bytes.byteLength) return 'ends inside a value';
    const head = bytes[pos++];
    let skip = 0;
    let children = 0;
    let n: number | null = 0;
    if (head <= 0x7f || head >= 0xe0 || head === 0xc0 || head === 0xc2 || head === 0xc3) skip = 0;
    else if (head <= 0x8f) children = 2 * (head & 0x0f);
    else if (head <= 0x9f) children = head & 0x0f;
    else if (head <= 0xbf) skip = head & 0x1f;
    else {
      switch (head) {
        case 0xc4: case 0xd9: n = uint(1); skip = n ?? 0; break; // bin 8, str 8
        case 0xc5: case 0xda: n = uint(2); skip = n ?? 0; break; // bin 16, str 16
        case 0xc6: case 0xdb: n = uint(4); skip = n ?? 0; break; // bin 32, str 32
        case 0xc7: n = uint(1); skip = (n ?? 0) + 1; break; // ext 8: length, type, data
        case 0xc8: n = uint(2); skip = (n ?? 0) + 1; break;
        case 0xc9: n = uint(4); skip = (n ?? 0) + 1; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xca: case 0xce: case 0xd2: skip = 4; break;
        case 0xcb: case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break; // fixext 1: type, data
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: n = uint(2); children = n ?? 0; break; // array 16
        case 0xdd: n = uint(4); children = n ?? 0; break;
        case 0xde: n = uint(2); children = 2 * (n ?? 0); break; // map 16
        case 0xdf: n = uint(4); children = 2 * (n ?? 0); break;
        default: return `has byte 0x${head.toString(16)}, which MessagePack never uses`;
      }
    }
    if (n === null) return 'ends inside a value';
    if (skip > bytes.byteLength - pos) return 'ends inside a value';
    pos += skip;
    if (children > 0) {
      if (pending.length > maxDepth) return `nests deeper than ${maxDepth}`;
      if (children > maxValues) return `has more than ${maxValues} values`;
      pending.push(children);
    }
  }
  if (pos !== bytes.byteLength) return 'has bytes after its one value';
  return null;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function rawBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}
