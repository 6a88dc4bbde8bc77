/**
 * A xenstore client speaking the wire protocol of xen/include/public/io/xs_wire.h over the
 * xenstored unix socket or the /dev/xen/xenbus device, and the listing of domains built on it:
 * what framescope uses to name domains on a host without libxl. Node built-ins only.
 */
import fs from 'node:fs';
import net from 'node:net';

export const XENSTORE_SOCKET_PATHS: readonly string[] = [
  '/run/xenstored/socket',
  '/var/run/xenstored/socket', // older hosts, where /var/run is not a link to /run
];
export const XENBUS_DEVICE_PATH = '/dev/xen/xenbus';
/**
 * How long a request may wait for its reply. xenstored answers in milliseconds on an idle host,
 * but on a dom0 busy with guests (seen under QEMU's TCG, dom0 scanning while guests boot) a read
 * took over 2 s: the bound is for a daemon that is gone, not one that is slow.
 */
export const XENSTORE_TIMEOUT_MS = 10_000;

// xs_wire.h
const XS_DIRECTORY = 1;
const XS_READ = 2;
const XS_ERROR = 16;
const XSD_SOCKMSG_SIZE = 16; // struct xsd_sockmsg { uint32_t type, req_id, tx_id, len; }
const XENSTORE_PAYLOAD_MAX = 4096;
const XBT_NULL = 0; // tx_id outside any transaction

/** xen.h: ids from here up name pseudo-domains (DOMID_SELF...), never a /local/domain entry. */
const DOMID_FIRST_RESERVED = 0x7ff0;

/**
 * Domains read at once by listXenstoreDomains (3 requests each). xenstored stops reading from an
 * unprivileged connection with 20 requests outstanding (quota_req_outstanding); staying under it
 * keeps the queueing out of our timeouts.
 */
const DOMAINS_READ_AT_ONCE = 6;

const REQUEST_NAMES: Record<number, string> = { [XS_DIRECTORY]: 'directory', [XS_READ]: 'read' };

export class XenstoreError extends Error {
  override readonly name = 'XenstoreError';

  /**
   * @param code the errno name xenstored answered (ENOENT, EACCES...), or the local failure:
   *   ETIMEDOUT, EPROTO (malformed reply), ECONNRESET (connection lost), ECANCELED (closed by us)
   * @param path the xenstore path asked for, or the socket/device for connection failures
   */
  constructor(readonly code: string, readonly path: string, message: string) {
    super(message);
  }
}

export interface XenstoreClient {
  /** The socket or device this client talks through. */
  readonly transportPath: string;
  directory(path: string): Promise<string[]>;
  read(path: string): Promise<string>;
  /** Fails every request still waiting with ECANCELED and releases the transport. */
  close(): void;
}

export interface XenstoreConnectOptions {
  /** A socket or character device; without it the defaults are tried in order. */
  path?: string;
  /** Per request, from the call to the reply; also bounds connecting. */
  timeoutMs?: number;
}

export interface XenstoreDomain {
  id: number;
  name: string;
  /** memory/target; null when the key is missing or not a number. */
  memoryKiB: number | null;
  /** memory/static-max; null when the key is missing or not a number. */
  maxMemoryKiB: number | null;
}

export async function connectXenstore(opts: XenstoreConnectOptions = {}): Promise<XenstoreClient> {
  const timeoutMs = opts.timeoutMs ?? XENSTORE_TIMEOUT_MS;
  const candidates = opts.path !== undefined
    ? [opts.path]
    : [...XENSTORE_SOCKET_PATHS, XENBUS_DEVICE_PATH];
  const failures: XenstoreError[] = [];
  for (const candidate of candidates) {
    try {
      return new XenstoreConnection(await openTransport(candidate, timeoutMs), timeoutMs);
    } catch (err) {
      if (!(err instanceof XenstoreError)) throw err;
      failures.push(err);
    }
  }
  // A path that exists but fails (EACCES: not root) says more than the ones that do not exist.
  const telling = failures.find((f) => f.code !== 'ENOENT') ?? failures[0];
  const tried = failures.map((f) => `${f.path} (${f.code})`).join(', ');
  throw new XenstoreError(telling.code, telling.path,
    `no usable xenstore transport: tried ${tried}; ${telling.message}`);
}

export async function listXenstoreDomains(client: XenstoreClient): Promise<XenstoreDomain[]> {
  const ids = (await client.directory('/local/domain'))
    .filter((entry) => /^\d+$/.test(entry))
    .map(Number)
    .filter((id) => id < DOMID_FIRST_RESERVED);

  const domains: XenstoreDomain[] = [];
  let next = 0;
  let failed = false;
  const worker = async (): Promise<void> => {
    while (!failed && next < ids.length) {
      const domain = await readDomain(client, ids[next++]).catch((err: unknown) => {
        failed = true; // the others stop asking; Promise.all reports this error
        throw err;
      });
      if (domain !== null) domains.push(domain);
    }
  };
  await Promise.all(Array.from({ length: Math.min(DOMAINS_READ_AT_ONCE, ids.length) }, worker));
  return domains.sort((a, b) => a.id - b.id);
}

/**
 * The domain this process runs in: `domid` relative to the connection's home,
 * /local/domain/<own id>/ (a dom0's has only name and domid). null when it is not there.
 */
export async function readOwnDomid(client: XenstoreClient): Promise<number | null> {
  const value = await readIfPresent(client, 'domid');
  return value !== null && /^\d+$/.test(value) && Number(value) < DOMID_FIRST_RESERVED ? Number(value) : null;
}

/** null when the domain went away between the listing and the reads. */
async function readDomain(client: XenstoreClient, id: number): Promise<XenstoreDomain | null> {
  const base = `/local/domain/${id}`;
  const [name, memoryKiB, maxMemoryKiB] = await Promise.all([
    readIfPresent(client, `${base}/name`),
    readKiB(client, `${base}/memory/target`),
    readKiB(client, `${base}/memory/static-max`),
  ]);
  if (name === null) return null;
  return { id, name, memoryKiB, maxMemoryKiB };
}

async function readKiB(client: XenstoreClient, path: string): Promise<number | null> {
  const value = await readIfPresent(client, path);
  return value !== null && /^\d+$/.test(value) ? Number(value) : null;
}

async function readIfPresent(client: XenstoreClient, path: string): Promise<string | null> {
  try {
    return await client.read(path);
  } catch (err) {
    if (err instanceof XenstoreError && err.code === 'ENOENT') return null;
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Transports: move bytes; framing and matching live in XenstoreConnection.

interface TransportSink {
  data(chunk: Buffer): void;
  /** The transport is unusable: peer closed or I/O failed. May be called more than once. */
  end(error: XenstoreError): void;
  /** Whether a reply is awaited: the device keeps a read posted only then. */
  awaitingReplies(): boolean;
}

interface Transport {
  readonly path: string;
  attach(sink: TransportSink): void;
  send(message: Buffer): void;
  close(): void;
}

async function openTransport(path: string, timeoutMs: number): Promise<Transport> {
  let stats: fs.Stats;
  try {
    stats = await fs.promises.stat(path);
  } catch (err) {
    throw fromSystemError(err, path, 'stat');
  }
  if (stats.isSocket()) return connectSocket(path, timeoutMs);
  if (stats.isCharacterDevice()) return openDevice(path);
  throw new XenstoreError('EINVAL', path, `${path} is neither a socket nor a character device`);
}

function connectSocket(path: string, timeoutMs: number): Promise<Transport> {
  return new Promise((resolve, reject) => {
    const socket = net.createConnection({ path });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new XenstoreError('ETIMEDOUT', path, `connecting to ${path}: no answer in ${timeoutMs} ms`));
    }, timeoutMs);
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(fromSystemError(err, path, `connecting to ${path}`));
    });
    socket.once('connect', () => {
      clearTimeout(timer);
      socket.removeAllListeners('error');
      resolve(new SocketTransport(path, socket));
    });
  });
}

class SocketTransport implements Transport {
  constructor(readonly path: string, private readonly socket: net.Socket) {}

  attach(sink: TransportSink): void {
    this.socket.on('data', (chunk: Buffer) => sink.data(chunk));
    this.socket.on('error', (err) => sink.end(fromSystemError(err, this.path, 'xenstored connection')));
    this.socket.on('close', () =>
      sink.end(new XenstoreError('ECONNRESET', this.path, 'xenstored closed the connection')));
  }

  send(message: Buffer): void {
    this.socket.write(message);
  }

  close(): void {
    this.socket.destroy();
  }
}

async function openDevice(path: string): Promise<Transport> {
  const fd = await new Promise<number>((resolve, reject) => {
    fs.open(path, 'r+', (err, opened) => (err ? reject(fromSystemError(err, path, `opening ${path}`)) : resolve(opened)));
  });
  return new DeviceTransport(path, fd);
}

/**
 * /dev/xen/xenbus answers each written message with a reply queued for read(). The fd is
 * blocking, so a read occupies a libuv pool thread until a reply comes: one read is posted only
 * while replies are awaited. A read may return part of a message or several; the sink reassembles.
 */
class DeviceTransport implements Transport {
  private sink: TransportSink | null = null;
  private readonly readBuffer = Buffer.alloc(XSD_SOCKMSG_SIZE + XENSTORE_PAYLOAD_MAX);
  private reading = false;
  private closed = false;
  private fdClosed = false;
  /** Writes in order, one at a time: interleaved partial writes would corrupt both messages. */
  private writes: Promise<void> = Promise.resolve();
  private queuedWrites = 0;

  constructor(readonly path: string, private readonly fd: number) {}

  attach(sink: TransportSink): void {
    this.sink = sink;
  }

  send(message: Buffer): void {
    if (this.closed) return;
    this.queuedWrites++;
    this.writes = this.writes.then(async () => {
      try {
        if (!this.closed) await writeFully(this.fd, message);
      } catch (err) {
        this.fail(fromSystemError(err, this.path, `writing ${this.path}`));
      } finally {
        this.queuedWrites--;
      }
      if (this.closed) this.closeFdWhenIdle();
      else this.postRead();
    });
  }

  close(): void {
    this.closed = true;
    this.closeFdWhenIdle();
  }

  private postRead(): void {
    if (this.reading || this.closed || !this.sink?.awaitingReplies()) return;
    this.reading = true;
    fs.read(this.fd, this.readBuffer, 0, this.readBuffer.length, null, (err, bytesRead) => {
      this.reading = false;
      if (this.closed) {
        this.closeFdWhenIdle();
      } else if (err) {
        this.fail(fromSystemError(err, this.path, `reading ${this.path}`));
      } else if (bytesRead === 0) {
        this.fail(new XenstoreError('ECONNRESET', this.path, `${this.path} reported end of file`));
      } else {
        this.sink?.data(Buffer.from(this.readBuffer.subarray(0, bytesRead))); // the buffer is reused
        this.postRead();
      }
    });
  }

  /** Closing under an in-flight read or write could let them hit a reused fd number. */
  private closeFdWhenIdle(): void {
    if (this.reading || this.queuedWrites > 0 || this.fdClosed) return;
    this.fdClosed = true;
    fs.close(this.fd, () => {});
  }

  private fail(error: XenstoreError): void {
    this.sink?.end(error);
    this.close();
  }
}

async function writeFully(fd: number, message: Buffer): Promise<void> {
  for (let offset = 0; offset < message.length;) {
    offset += await new Promise<number>((resolve, reject) => {
      fs.write(fd, message, offset, message.length - offset, null, (err, written) => (err ? reject(err) : resolve(written)));
    });
  }
}

function fromSystemError(err: unknown, path: string, what: string): XenstoreError {
  const code = (err as NodeJS.ErrnoException | null)?.code ?? 'EIO';
  const message = err instanceof Error ? err.message : String(err);
  return new XenstoreError(code, path, `${what}: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// The protocol.

interface PendingRequest {
  type: number;
  path: string;
  resolve(payload: Buffer): void;
  reject(error: XenstoreError): void;
  timer: NodeJS.Timeout;
}

/**
 * Requests are pipelined and replies matched by req_id, so a request that stalls fails alone
 * after its own timeout instead of holding up the ones behind it. xenstored answers a
 * connection's requests whole and in order, and the xenbus driver queues whole replies per open
 * file, so pipelined replies never interleave. A reply whose req_id is unknown answers a request
 * that already timed out and is dropped.
 */
class XenstoreConnection implements XenstoreClient, TransportSink {
  private readonly pending = new Map<number, PendingRequest>();
  private lastReqId = 0;
  private received: Buffer = Buffer.alloc(0);
  /** null while usable; once set, every waiting and later request fails with its code. */
  private broken: XenstoreError | null = null;

  constructor(private readonly transport: Transport, private readonly timeoutMs: number) {
    transport.attach(this);
  }

  get transportPath(): string {
    return this.transport.path;
  }

  async directory(path: string): Promise<string[]> {
    const payload = await this.request(XS_DIRECTORY, path);
    return payload.toString('utf8').split('\0').filter((name) => name.length > 0);
  }

  async read(path: string): Promise<string> {
    const payload = await this.request(XS_READ, path);
    const end = payload.length > 0 && payload[payload.length - 1] === 0 ? payload.length - 1 : payload.length;
    return payload.toString('utf8', 0, end);
  }

  close(): void {
    this.breakConnection(new XenstoreError('ECANCELED', this.transport.path, 'the xenstore client was closed'));
  }

  // TransportSink

  data(chunk: Buffer): void {
    if (this.broken) return;
    this.received = this.received.length === 0 ? chunk : Buffer.concat([this.received, chunk]);
    while (this.received.length >= XSD_SOCKMSG_SIZE) {
      const type = this.received.readUInt32LE(0);
      const reqId = this.received.readUInt32LE(4);
      const len = this.received.readUInt32LE(12);
      if (len > XENSTORE_PAYLOAD_MAX) {
        this.breakConnection(new XenstoreError('EPROTO', this.transport.path,
          `reply payload of ${len} bytes exceeds XENSTORE_PAYLOAD_MAX (${XENSTORE_PAYLOAD_MAX})`));
        return;
      }
      const end = XSD_SOCKMSG_SIZE + len;
      if (this.received.length < end) return;
      const payload = this.received.subarray(XSD_SOCKMSG_SIZE, end);
      this.received = this.received.subarray(end);
      this.settle(type, reqId, payload);
    }
  }

  end(error: XenstoreError): void {
    if (this.received.length > 0) {
      error = new XenstoreError('EPROTO', this.transport.path,
        `connection ended inside a reply (${this.received.length} bytes of it received)`);
    }
    this.breakConnection(error);
  }

  awaitingReplies(): boolean {
    return this.pending.size > 0;
  }

  private request(type: number, path: string): Promise<Buffer> {
    const what = `xenstore ${REQUEST_NAMES[type]} ${path}`;
    if (this.broken) {
      return Promise.reject(new XenstoreError(this.broken.code, path, `${what}: ${this.broken.message}`));
    }
    const payload = Buffer.from(`${path}\0`, 'utf8');
    if (path.includes('\0') || payload.length > XENSTORE_PAYLOAD_MAX) {
      return Promise.reject(new XenstoreError('EINVAL', path, `${what}: not a path xenstore can carry`));
    }
    const reqId = this.nextReqId();
    const message = Buffer.alloc(XSD_SOCKMSG_SIZE + payload.length);
    message.writeUInt32LE(type, 0);
    message.writeUInt32LE(reqId, 4);
    message.writeUInt32LE(XBT_NULL, 8);
    message.writeUInt32LE(payload.length, 12);
    payload.copy(message, XSD_SOCKMSG_SIZE);

    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(reqId);
        reject(new XenstoreError('ETIMEDOUT', path, `${what}: no reply in ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(reqId, { type, path, resolve, reject, timer });
      this.transport.send(message);
    });
  }

  /** Never 0 (watch events carry it) and never one still awaited after wrapping around. */
  private nextReqId(): number {
    do {
      this.lastReqId = (this.lastReqId + 1) >>> 0;
    } while (this.lastReqId === 0 || this.pending.has(this.lastReqId));
    return this.lastReqId;
  }

  private settle(type: number, reqId: number, payload: Buffer): void {
    const request = this.pending.get(reqId);
    if (!request) return;
    this.pending.delete(reqId);
    clearTimeout(request.timer);
    const what = `xenstore ${REQUEST_NAMES[request.type]} ${request.path}`;
    if (type === XS_ERROR) {
      const name = payload.toString('latin1').split('\0')[0];
      const code = /^E[A-Z0-9]+$/.test(name) ? name : 'EPROTO';
      request.reject(new XenstoreError(code, request.path, `${what}: ${name}`));
    } else if (type !== request.type) {
      request.reject(new XenstoreError('EPROTO', request.path, `${what}: answered with message type ${type}`));
    } else {
      request.resolve(payload);
    }
  }

  private breakConnection(error: XenstoreError): void {
    if (this.broken) return;
    this.broken = error;
    this.received = Buffer.alloc(0);
    this.transport.close();
    for (const request of this.pending.values()) {
      clearTimeout(request.timer);
      const what = `xenstore ${REQUEST_NAMES[request.type]} ${request.path}`;
      request.reject(new XenstoreError(error.code, request.path, `${what}: ${error.message}`));
    }
    this.pending.clear();
  }
}
