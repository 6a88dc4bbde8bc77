/**
 * Messages between the main thread and the mapper worker (inspector-worker.ts). Errors cross
 * as plain data: a structured clone keeps neither the class nor fields like `code`.
 */
import type { FramescopeApi, InspectorEvent } from './api';

/** Every FramescopeApi method but onEvent: what crosses a boundary as a call. */
export const INSPECTOR_METHODS = [
  'hostInfo', 'listDomains', 'startScan', 'stopScan', 'readFrame', 'pageIn', 'listScans', 'scanRecord',
  'exportScan', 'importSnapshot', 'diffScans', 'startSearch', 'stopSearch', 'openSource',
] as const satisfies ReadonlyArray<Exclude<keyof FramescopeApi, 'onEvent'>>;
export type InspectorMethod = (typeof INSPECTOR_METHODS)[number];

/** The calls of FramescopeApi, each sent through `call`: how every proxy of the API is built. */
export function apiProxy(call: (method: InspectorMethod, args: unknown[]) => Promise<unknown>): Omit<FramescopeApi, 'onEvent'> {
  return Object.fromEntries(INSPECTOR_METHODS.map((m) => [m, (...args: unknown[]) => call(m, args)])) as unknown as Omit<FramescopeApi, 'onEvent'>;
}

export interface WireError {
  name: string;
  message: string;
  code?: string;
}

export type ToWorker =
  | { kind: 'call'; id: number; method: InspectorMethod; args: unknown[] }
  | { kind: 'close' };

export type FromWorker =
  | { kind: 'ready' }
  | { kind: 'failed'; error: WireError }
  | { kind: 'result'; id: number; value: unknown }
  | { kind: 'error'; id: number; error: WireError }
  | { kind: 'event'; event: InspectorEvent }
  | { kind: 'closed' };

export function toWireError(e: unknown): WireError {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    return { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) };
  }
  return { name: 'Error', message: String(e) };
}

/** An error raised on the other side of a boundary, with its name and code kept. */
export class RemoteError extends Error {
  readonly code?: string;

  constructor(wire: WireError) {
    super(wire.message);
    this.name = wire.name;
    this.code = wire.code;
  }
}

/**
 * One client connection to the API (the mapper worker, a Unix socket): the calls waiting for
 * their answers, matched by id, and the event listeners. Transports only move messages.
 */
export class ApiConnection {
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly listeners = new Set<(event: InspectorEvent) => void>();
  private nextId = 1;
  private closedWith: Error | null = null;

  constructor(private readonly send: (id: number, method: InspectorMethod, args: unknown[]) => void) {}

  /** FramescopeApi over this connection. */
  api(): FramescopeApi {
    return {
      ...apiProxy((method, args) => this.call(method, args)),
      onEvent: (listener) => {
        this.listeners.add(listener);
        return () => this.listeners.delete(listener);
      },
    };
  }

  get closed(): Error | null {
    return this.closedWith;
  }

  answer(id: number, value: unknown): void {
    this.pending.get(id)?.resolve(value);
    this.pending.delete(id);
  }

  refuse(id: number, error: WireError): void {
    this.pending.get(id)?.reject(new RemoteError(error));
    this.pending.delete(id);
  }

  event(event: InspectorEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  /** Fails every waiting call and every later one with `error`. */
  close(error: Error): void {
    this.closedWith ??= error;
    for (const p of this.pending.values()) p.reject(this.closedWith);
    this.pending.clear();
  }

  private call(method: InspectorMethod, args: unknown[]): Promise<unknown> {
    return new Promise((resolve, reject) => {
      if (this.closedWith) return reject(this.closedWith);
      const id = this.nextId++;
      this.pending.set(id, { resolve, reject });
      this.send(id, method, args);
    });
  }
}

/** The ArrayBuffers of the binary parts of a value, to transfer rather than copy. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  if (value instanceof Uint8Array) return [value.buffer as ArrayBuffer];
  if (value && typeof value === 'object') {
    const out = new Set<ArrayBuffer>();
    for (const v of Object.values(value)) if (v instanceof Uint8Array) out.add(v.buffer as ArrayBuffer);
    return [...out];
  }
  return [];
}
