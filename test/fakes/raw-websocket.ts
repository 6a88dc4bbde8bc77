/**
 * A WebSocket client written by hand over a TCP socket, for sending what a real client never
 * would (bad opcodes, lying lengths, half a frame) and for being a client that never reads.
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';

import { decode } from '@msgpack/msgpack';

export const OPCODE = { continuation: 0x0, text: 0x1, binary: 0x2, close: 0x8, ping: 0x9, pong: 0xa } as const;

export interface FrameOptions {
  fin?: boolean;
  /** The three reserved bits, 0-7. */
  rsv?: number;
  /** Clients must mask; false sends an unmasked frame. */
  mask?: boolean;
  /** The payload length the header claims, if not the payload's own. */
  declaredLength?: number;
}

/** One frame as a client sends it. */
export function clientFrame(opcode: number, payload: Uint8Array, options: FrameOptions = {}): Buffer {
  const { fin = true, rsv = 0, mask = true } = options;
  const length = options.declaredLength ?? payload.byteLength;
  const head: number[] = [(fin ? 0x80 : 0) | ((rsv & 7) << 4) | (opcode & 0x0f)];
  const maskBit = mask ? 0x80 : 0;
  let ext: Buffer;
  if (length < 126) {
    head.push(maskBit | length);
    ext = Buffer.alloc(0);
  } else if (length < 0x10000) {
    head.push(maskBit | 126);
    ext = Buffer.alloc(2);
    ext.writeUInt16BE(length);
  } else {
    head.push(maskBit | 127);
    ext = Buffer.alloc(8);
    ext.writeBigUInt64BE(BigInt(length));
  }
  const body = Buffer.from(payload);
  if (!mask) return Buffer.concat([Buffer.from(head), ext, body]);
  const key = randomBytes(4);
  for (let i = 0; i < body.length; i++) body[i] ^= key[i & 3];
  return Buffer.concat([Buffer.from(head), ext, key, body]);
}

export interface ServerFrame {
  opcode: number;
  payload: Buffer;
}

export class RawWebSocket {
  readonly frames: ServerFrame[] = [];
  /** The close code the server sent, if it sent a close frame. */
  closeCode: number | null = null;
  readonly ended: Promise<void>;
  private buffer = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: net.Socket, rest: Buffer) {
    this.ended = new Promise((resolve) => socket.once('close', () => {
      resolve();
      this.wake();
    }));
    socket.on('data', (d: Buffer) => this.take(d));
    socket.on('error', () => {});
    if (rest.length) this.take(rest);
  }

  /** Connects and completes the handshake; rejects with the status line if refused. */
  static open(host: string, port: number, target: string): Promise<RawWebSocket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect(port, host);
      let head = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        head = Buffer.concat([head, d]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) return;
        socket.off('data', onData);
        const status = head.subarray(0, head.indexOf('\r\n')).toString();
        if (!/^HTTP\/1\.1 101 /.test(status)) {
          socket.destroy();
          return reject(new Error(status));
        }
        resolve(new RawWebSocket(socket, head.subarray(end + 4)));
      };
      socket.on('data', onData);
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.write([
          `GET ${target} HTTP/1.1`, `Host: ${host}:${port}`, 'Upgrade: websocket', 'Connection: Upgrade',
          `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}`, 'Sec-WebSocket-Version: 13', '', '',
        ].join('\r\n'));
      });
    });
  }

  get closed(): boolean {
    return this.socket.destroyed;
  }

  write(bytes: Uint8Array): void {
    if (!this.socket.destroyed) this.socket.write(bytes);
  }

  send(opcode: number, payload: Uint8Array, options?: FrameOptions): void {
    this.write(clientFrame(opcode, payload, options));
  }

  /** Stops reading: the server's writes pile up in the kernel, then in the server. */
  stopReading(): void {
    this.socket.pause();
  }

  /** Binary messages received, decoded. */
  messages(): unknown[] {
    return this.frames.filter((f) => f.opcode === OPCODE.binary).map((f) => decode(f.payload));
  }

  /** Resolves once `condition` holds or the socket closes; true if it holds. */
  async until(condition: () => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!condition() && !this.socket.destroyed && Date.now() < deadline) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return condition();
  }

  destroy(): void {
    this.socket.destroy();
  }

  private wake(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private take(d: Buffer): void {
    this.buffer = Buffer.concat([this.buffer, d]);
    for (;;) {
      if (this.buffer.length < 2) break;
      const opcode = this.buffer[0] & 0x0f;
      let length = this.buffer[1] & 0x7f;
      let at = 2;
      if (length === 126) {
        if (this.buffer.length < 4) break;
        length = this.buffer.readUInt16BE(2);
        at = 4;
      } else if (length === 127) {
        if (this.buffer.length < 10) break;
        length = Number(this.buffer.readBigUInt64BE(2));
        at = 10;
      }
      if (this.buffer.length < at + length) break;
      const payload = this.buffer.subarray(at, at + length);
      this.frames.push({ opcode, payload });
      if (opcode === OPCODE.close) this.closeCode = payload.length >= 2 ? payload.readUInt16BE(0) : 1005;
      this.buffer = this.buffer.subarray(at + length);
    }
    this.wake();
  }
}
