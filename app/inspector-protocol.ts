/**
 * Messages between the main thread and the mapper worker (inspector-worker.ts). Errors cross
 * as plain data: a structured clone keeps neither the class nor fields like `code`.
 */
import type { FramescopeApi, ScanEvent } from './api';

export const INSPECTOR_METHODS = ['hostInfo', 'listDomains', 'startScan', 'stopScan', 'readFrame'] as const;
export type InspectorMethod = (typeof INSPECTOR_METHODS)[number] & keyof FramescopeApi;

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
  | { kind: 'event'; event: ScanEvent }
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

/** The ArrayBuffers of the binary parts of a value, to transfer rather than copy. */
export function transferablesOf(value: unknown): ArrayBuffer[] {
  if (value instanceof Uint8Array) return [value.buffer as ArrayBuffer];
  if (value && typeof value === 'object') {
    const out: ArrayBuffer[] = [];
    for (const v of Object.values(value)) if (v instanceof Uint8Array) out.push(v.buffer as ArrayBuffer);
    return out;
  }
  return [];
}
