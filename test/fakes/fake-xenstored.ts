/**
 * A fake xenstored for tests: serves XS_DIRECTORY and XS_READ from a fixed tree over a unix
 * socket, and misbehaves on request. Its wire code is written apart from app/xenstore.ts on
 * purpose: sharing it would let a framing mistake hide on both sides.
 */
import net from 'node:net';

// xs_wire.h
const XS_DIRECTORY = 1;
const XS_READ = 2;
const XS_ERROR = 16;
const HEADER_SIZE = 16; // struct xsd_sockmsg { uint32_t type, req_id, tx_id, len; }, little-endian
const PAYLOAD_MAX = 4096;

export interface FakeXenstoredOptions {
  socketPath: string;
  /** Full paths to values; parents are implied; null is a node without a value (reads as ""). */
  tree: Record<string, string | null>;
  /** Never answer requests for this path. */
  stallOn?: string;
  /** Answer requests for this path with a broken header, then hang up. */
  garbageOn?: string;
  /** oversized-length: a whole header announcing 4 GiB; truncated-header: 8 bytes of one. */
  garbage?: 'oversized-length' | 'truncated-header';
  /** Answer requests for these paths with XS_ERROR and this errno name. */
  errorOn?: Record<string, string>;
  /** Write replies this many bytes at a time, each in its own turn of the event loop. */
  replyChunkSize?: number;
  /** Answer every request this many ms late, in order: a xenstored on a loaded host. */
  replyDelayMs?: number;
  /** Hold replies until this many are ready, then write them in one write. */
  replyBatch?: number;
  /** Where relative paths lead, as xenstored's home of the connection: default a dom0's. */
  home?: string;
}

export interface FakeXenstoredRequest {
  type: number;
  path: string;
}

export interface FakeXenstored {
  readonly socketPath: string;
  /** Every request received, answered or not, in order. */
  readonly requests: FakeXenstoredRequest[];
  close(): Promise<void>;
}

interface Node {
  value: string;
  children: string[];
}

export async function startFakeXenstored(opts: FakeXenstoredOptions): Promise<FakeXenstored> {
  const nodes = buildNodes(opts.tree);
  const requests: FakeXenstoredRequest[] = [];
  const sockets = new Set<net.Socket>();

  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serve(socket, nodes, opts, requests);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.socketPath, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    socketPath: opts.socketPath,
    requests,
    close: () => new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    }),
  };
}

function buildNodes(tree: Record<string, string | null>): Map<string, Node> {
  const nodes = new Map<string, Node>([['/', { value: '', children: [] }]]);
  const ensure = (path: string): Node => {
    let node = nodes.get(path);
    if (node) return node;
    if (!path.startsWith('/') || path.endsWith('/') || path.includes('//')) {
      throw new Error(`fake xenstored: bad path ${JSON.stringify(path)} in tree`);
    }
    const slash = path.lastIndexOf('/');
    ensure(slash === 0 ? '/' : path.slice(0, slash)).children.push(path.slice(slash + 1));
    node = { value: '', children: [] };
    nodes.set(path, node);
    return node;
  };
  for (const [path, value] of Object.entries(tree)) ensure(path).value = value ?? '';
  return nodes;
}

function serve(socket: net.Socket, nodes: Map<string, Node>, opts: FakeXenstoredOptions,
  requests: FakeXenstoredRequest[]): void {
  let received = Buffer.alloc(0);
  const output = new ReplyWriter(socket, opts);
  socket.on('error', () => {}); // the client went away; nothing to clean up

  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (received.length >= HEADER_SIZE) {
      const len = received.readUInt32LE(12);
      if (len > PAYLOAD_MAX) {
        socket.destroy(); // as xenstored does with a client that sends this
        return;
      }
      if (received.length < HEADER_SIZE + len) break;
      const type = received.readUInt32LE(0);
      const reqId = received.readUInt32LE(4);
      const txId = received.readUInt32LE(8);
      const payload = received.subarray(HEADER_SIZE, HEADER_SIZE + len);
      received = received.subarray(HEADER_SIZE + len);

      const nul = payload.indexOf(0);
      const path = payload.toString('utf8', 0, nul < 0 ? payload.length : nul);
      requests.push({ type, path });

      const reply = (replyType: number, body: string): void => {
        const bytes = message(replyType, reqId, txId, Buffer.from(body, 'utf8'));
        if (opts.replyDelayMs) setTimeout(() => { if (!socket.destroyed) output.add(bytes); }, opts.replyDelayMs);
        else output.add(bytes);
      };
      if (path === opts.stallOn) continue;
      if (path === opts.garbageOn) {
        output.hangUpWith(garbage(type, reqId, opts.garbage ?? 'oversized-length'));
        received = Buffer.alloc(0);
        return;
      }
      // xenstored takes a relative path as relative to the connecting domain's home
      const node = nodes.get(path.startsWith('/') ? path : `${opts.home ?? '/local/domain/0'}/${path}`);
      if (nul < 0) reply(XS_ERROR, 'EINVAL\0');
      else if (opts.errorOn?.[path] !== undefined) reply(XS_ERROR, `${opts.errorOn[path]}\0`);
      else if (type !== XS_DIRECTORY && type !== XS_READ) reply(XS_ERROR, 'EINVAL\0');
      else if (!node) reply(XS_ERROR, 'ENOENT\0');
      else if (type === XS_READ) reply(XS_READ, node.value);
      else reply(XS_DIRECTORY, node.children.map((name) => `${name}\0`).join(''));
    }
  });
}

function message(type: number, reqId: number, txId: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(type, 0);
  header.writeUInt32LE(reqId, 4);
  header.writeUInt32LE(txId, 8);
  header.writeUInt32LE(payload.length, 12);
  return Buffer.concat([header, payload]);
}

function garbage(type: number, reqId: number, kind: 'oversized-length' | 'truncated-header'): Buffer {
  const header = Buffer.alloc(HEADER_SIZE);
  header.writeUInt32LE(type, 0);
  header.writeUInt32LE(reqId, 4);
  header.writeUInt32LE(0xffffffff, 12);
  return kind === 'oversized-length' ? header : header.subarray(0, 8);
}

/** Writes replies in order, batched and split as the options ask. */
class ReplyWriter {
  private held: Buffer[] = [];
  private chain: Promise<void> = Promise.resolve();

  constructor(private readonly socket: net.Socket, private readonly opts: FakeXenstoredOptions) {}

  add(reply: Buffer): void {
    this.held.push(reply);
    if (this.held.length >= (this.opts.replyBatch ?? 1)) this.flush();
  }

  hangUpWith(bytes: Buffer): void {
    this.flush();
    this.chain = this.chain.then(() => { this.socket.end(bytes); });
  }

  private flush(): void {
    const bytes = Buffer.concat(this.held);
    this.held = [];
    const chunkSize = this.opts.replyChunkSize ?? bytes.length;
    this.chain = this.chain.then(async () => {
      for (let offset = 0; offset < bytes.length; offset += chunkSize) {
        if (this.socket.destroyed) return;
        this.socket.write(bytes.subarray(offset, offset + chunkSize));
        // a turn of the event loop between chunks, so the client reads them apart
        if (chunkSize < bytes.length) await new Promise((resolve) => setTimeout(resolve, 1));
      }
    });
  }
}
