/**
 * Runtime checks of FramescopeApi calls arriving over a boundary (Electron IPC, the headless
 * server's WebSocket). One schema per method, derived from api.ts; both transports validate
 * through invokeApi, so a renderer sending nonsense gets the same clear error on either.
 */
import { z } from 'zod';

import type { FramescopeApi } from './api';
import { INSPECTOR_METHODS, InspectorMethod } from './inspector-protocol';
import { MAX_BATCH } from './scanner';
import { MAX_PATTERN_BYTES } from './search';
import { MAX_SNAPSHOT_BYTES } from './snapshot';

const MAX_HITS = 100_000;

/** Xen domain ids below DOMID_FIRST_RESERVED. */
const domainId = z.number().int().min(0).max(0x7fef);
/** Guest frame numbers: JSON numbers are exact up to 2^53, far past any real guest. */
const gfn = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const mode = z.enum(['observe', 'retry']);
const abi = z.enum(['v1', 'v2']);

export const scanRequestSchema = z.strictObject({
  domain: domainId,
  first: gfn.optional(),
  last: gfn.optional(),
  mode: mode.optional(),
  batch: z.number().int().min(1).max(MAX_BATCH).optional(),
  retryTimeoutMs: z.number().int().min(0).max(10 * 60 * 1000).optional(),
  abi: abi.optional(),
  profile: z.boolean().optional(),
});

export const frameReadRequestSchema = z.strictObject({
  domain: domainId,
  gfn,
  mode: mode.optional(),
  abi: abi.optional(),
});

const id = z.string().min(1).max(64);

export const pageInRequestSchema = z.strictObject({
  domain: domainId,
  first: gfn,
  last: gfn,
  timeoutMs: z.number().int().min(0).max(10 * 60 * 1000).optional(),
  abi: abi.optional(),
});

export const searchRequestSchema = z.strictObject({
  domain: domainId,
  first: gfn.optional(),
  last: gfn.optional(),
  hex: z.string().min(1).max(4 * MAX_PATTERN_BYTES).optional(),
  text: z.string().min(1).max(MAX_PATTERN_BYTES).optional(),
  encoding: z.enum(['ascii', 'utf16le']).optional(),
  maxHits: z.number().int().min(1).max(MAX_HITS).optional(),
  abi: abi.optional(),
}).refine((r) => (r.hex === undefined) !== (r.text === undefined), { message: 'give exactly one of hex and text' });

export const API_ARGUMENTS = {
  hostInfo: z.tuple([]),
  listDomains: z.tuple([]),
  startScan: z.tuple([scanRequestSchema]),
  stopScan: z.tuple([id]),
  readFrame: z.tuple([frameReadRequestSchema]),
  pageIn: z.tuple([pageInRequestSchema]),
  listScans: z.tuple([]),
  scanRecord: z.tuple([id]),
  exportScan: z.tuple([z.strictObject({ scanId: id, format: z.enum(['snapshot', 'csv', 'json']) })]),
  importSnapshot: z.tuple([z.strictObject({
    fileName: z.string().min(1).max(4096),
    bytes: z.instanceof(Uint8Array).refine((b) => b.byteLength <= MAX_SNAPSHOT_BYTES, { message: `a snapshot is at most ${MAX_SNAPSHOT_BYTES} bytes` }),
  })]),
  diffScans: z.tuple([z.strictObject({ a: id, b: id })]),
  startSearch: z.tuple([searchRequestSchema]),
  stopSearch: z.tuple([id]),
  openSource: z.tuple([z.discriminatedUnion('kind', [
    z.strictObject({ kind: z.literal('host') }),
    z.strictObject({ kind: z.literal('dump'), path: z.string().min(1).max(4096) }),
  ])]),
} satisfies Record<InspectorMethod, z.ZodType>;

/** A call that does not fit the contract: what was wrong, in one line. */
export class ApiValidationError extends Error {
  readonly code = 'EINVAL';

  constructor(message: string) {
    super(message);
    this.name = 'ApiValidationError';
  }
}

function describe(error: z.ZodError): string {
  const issue = error.issues[0];
  const where = issue.path.length ? `argument ${issue.path.map(String).join('.')}: ` : '';
  return `${where}${issue.message}`;
}

export function isApiMethod(method: unknown): method is InspectorMethod {
  return typeof method === 'string' && (INSPECTOR_METHODS as readonly string[]).includes(method);
}

/** Checks a call's method and arguments; returns the arguments as the schema parsed them. */
export function validateCall(method: unknown, args: unknown): { method: InspectorMethod; args: unknown[] } {
  if (!isApiMethod(method)) throw new ApiValidationError(`no such method: ${JSON.stringify(method)?.slice(0, 40)}`);
  if (!Array.isArray(args)) throw new ApiValidationError(`${method}: arguments must be an array`);
  const parsed = API_ARGUMENTS[method].safeParse(args);
  if (!parsed.success) throw new ApiValidationError(`${method}: ${describe(parsed.error)}`);
  return { method, args: parsed.data as unknown[] };
}

/** Validates a call from outside and runs it on `api`. */
export async function invokeApi(api: FramescopeApi, method: unknown, args: unknown): Promise<unknown> {
  const call = validateCall(method, args);
  const fn = api[call.method] as (...a: unknown[]) => Promise<unknown>;
  return fn.apply(api, call.args);
}
