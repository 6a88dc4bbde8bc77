/**
 * A simulated Xen host described in JSON (docs/sim-config.md): the schema that checks it and
 * the emulator calls that build it, the same calls sim_default_host.c makes for the built-in host.
 */
import fs from 'node:fs';
import os from 'node:os';
import { z } from 'zod';

import { DomainType, Emulator, FrameKind, P2mForm, P2mHostile } from '../native/emulator';

/** Ids from Xen's DOMID_FIRST_RESERVED (0x7ff0) on name special domains, never guests. */
export const SIM_DOMID_MAX = 0x7fef;
/** The emulator keeps a byte of state per frame: 2^32 frames (16 TiB of guest) is 4 GiB of it. */
export const SIM_FRAMES_MAX = 2 ** 32;
/** The emulator keeps names in char[64], NUL included. */
export const SIM_NAME_MAX_BYTES = 63;
export const SIM_PAGE_SIZE = 4096;
const KIB_PER_FRAME = 4;
const UINT32_MAX = 0xffffffff;
/** Far above any host file (the example is 2 KB; a million layout ranges are ~60 MB of JSON). */
export const SIM_CONFIG_MAX_BYTES = 64 * 1024 * 1024;
/** "0x" and 14 hex digits reach 2^53: a longer frame number string is not one (and BigInt of a huge one is slow). */
const FRAME_NUMBER_MAX_CHARS = 24;

/** A host file or description framescope cannot use: the message names the JSON path of the problem. */
export class SimConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SimConfigError';
  }
}

export const SIM_LAYOUT_KINDS = ['ram', 'hole', 'ballooned', 'eperm', 'ebusy', 'enomem', 'paged'] as const;
export type SimLayoutKind = (typeof SIM_LAYOUT_KINDS)[number];

const FRAME_KINDS: Record<SimLayoutKind, FrameKind> = {
  ram: FrameKind.Ram,
  hole: FrameKind.Hole,
  ballooned: FrameKind.Ballooned,
  eperm: FrameKind.Perm,
  ebusy: FrameKind.Busy,
  enomem: FrameKind.NoMem,
  paged: FrameKind.Paged,
};

const DOMAIN_TYPES = { hvm: DomainType.Hvm, pvh: DomainType.Pvh, pv: DomainType.Pv } as const;

const P2M_FORMS = { none: P2mForm.None, list: P2mForm.List, tree: P2mForm.Tree, both: P2mForm.Both } as const;
const P2M_HOSTILE = {
  loop: P2mHostile.Loop,
  'out-of-range': P2mHostile.OutOfRange,
  'bad-table': P2mHostile.BadTable,
  'bad-vaddr': P2mHostile.BadVaddr,
  'in-progress': P2mHostile.InProgress,
  huge: P2mHostile.Huge,
} as const;
/** sim_pv.c keeps a PV guest's p2m below this many pfns (64 GiB). */
export const SIM_PV_FRAMES_MAX = 2 ** 24;

const PLANT_ENCODINGS = ['text', 'utf16', 'hex'] as const;

const hex = (n: number) => `0x${n.toString(16)}`;

/** A JSON value as a message shows it: short, on one line. */
function show(value: unknown): string {
  if (Array.isArray(value)) return 'an array';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

const FRAME_NUMBER_TEXT = /^(?:0[xX][0-9a-fA-F]+|[0-9]+)$/;

/** A frame number given as a JSON number or as a hex ("0x1234") or decimal string. */
function toFrameNumber(value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (value.length > FRAME_NUMBER_MAX_CHARS || !FRAME_NUMBER_TEXT.test(value)) return undefined;
  const n = BigInt(value);
  return n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : undefined;
}

const frameNumber = z
  .union([z.number(), z.string()], {
    error: (issue) =>
      issue.input === undefined ? 'missing: expected a frame number' : `expected a frame number, got ${show(issue.input)}`,
  })
  .transform((value, ctx) => {
    const n = toFrameNumber(value);
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: `${show(value)} is not a frame number: use a non-negative integer, or a string in hex ("0x1234") or decimal`,
      });
      return z.NEVER;
    }
    return n;
  });

const frameCount = frameNumber.superRefine((n, ctx) => {
  if (n < 1) ctx.addIssue({ code: 'custom', message: 'must be at least 1 (it is the highest frame number + 1)' });
  else if (n > SIM_FRAMES_MAX) ctx.addIssue({ code: 'custom', message: `${hex(n)} is more than 2^32 frames` });
});

const safeCount = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const milliseconds = z.number().int().min(0).max(UINT32_MAX);
const fraction = z.number().min(0).max(1);

const domainName = z.string().superRefine((name, ctx) => {
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes === 0) ctx.addIssue({ code: 'custom', message: 'must not be empty' });
  else if (bytes > SIM_NAME_MAX_BYTES) {
    ctx.addIssue({ code: 'custom', message: `is ${bytes} bytes of UTF-8, more than ${SIM_NAME_MAX_BYTES}` });
  } else if (name.includes('\0')) ctx.addIssue({ code: 'custom', message: 'must not contain NUL' });
});

const layoutEntrySchema = z
  .object({
    first: frameNumber,
    last: frameNumber,
    kind: z.enum(SIM_LAYOUT_KINDS),
  })
  .strict();

const pagingSchema = z
  .object({
    outPerSecond: z.number().min(0).default(0),
    inPerSecond: z.number().min(0).default(0),
    latencyMs: z.tuple([milliseconds, milliseconds]).default((): [number, number] => [12, 50]),
    initialPagedFraction: fraction.default(0),
    maxPagedFraction: fraction.default(0.5),
    ringSize: z.number().int().min(1).max(UINT32_MAX).default(64),
  })
  .strict()
  .superRefine((paging, ctx) => {
    const [min, max] = paging.latencyMs;
    if (min > max) ctx.addIssue({ code: 'custom', path: ['latencyMs'], message: `min ${min} is greater than max ${max}` });
  });

const HEX_BYTES = /^(?:[0-9a-fA-F]{2})+$/;

const plantSchema = z
  .object({
    gfn: frameNumber,
    offset: z.number().int().min(0).max(SIM_PAGE_SIZE - 1),
    text: z.string().optional(),
    utf16: z.string().optional(),
    hex: z.string().optional(),
  })
  .strict()
  .superRefine((plant, ctx) => {
    const given = PLANT_ENCODINGS.filter((key) => plant[key] !== undefined);
    if (given.length !== 1) {
      const what = given.length === 0 ? 'has none' : `has ${given.join(' and ')}`;
      ctx.addIssue({ code: 'custom', message: `${what}: give exactly one of text, utf16, hex` });
    } else if (plant.hex !== undefined && !HEX_BYTES.test(plant.hex)) {
      ctx.addIssue({
        code: 'custom',
        path: ['hex'],
        message: `${show(plant.hex)} is not hex bytes: give an even number (at least 2) of hex digits, like "deadbeef"`,
      });
    }
  });

export type SimPlantConfig = z.output<typeof plantSchema>;

/** The bytes a plant writes: text as UTF-8 and utf16 as UTF-16LE, each with its NUL, as guests keep strings. */
export function plantBytes(plant: SimPlantConfig): Uint8Array {
  if (plant.text !== undefined) return Buffer.from(`${plant.text}\0`, 'utf8');
  if (plant.utf16 !== undefined) return Buffer.from(`${plant.utf16}\0`, 'utf16le');
  return Buffer.from(plant.hex ?? '', 'hex');
}

const domainSchema = z
  .object({
    id: z.number().int().min(0).max(SIM_DOMID_MAX),
    name: domainName,
    type: z.enum(['hvm', 'pvh', 'pv']).default('hvm'),
    frames: frameCount,
    memoryKiB: safeCount.optional(),
    maxMemoryKiB: safeCount.optional(),
    layout: z.array(layoutEntrySchema).default(() => []),
    paging: pagingSchema.optional(),
    plants: z.array(plantSchema).default(() => []),
    p2m: z
      .object({
        form: z.enum(Object.keys(P2M_FORMS) as [keyof typeof P2M_FORMS]).default('list'),
        hostile: z.enum(Object.keys(P2M_HOSTILE) as [keyof typeof P2M_HOSTILE]).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((domain, ctx) => {
    const lastFrame = domain.frames - 1;
    if (domain.p2m && domain.type !== 'pv') {
      ctx.addIssue({ code: 'custom', path: ['p2m'], message: `a p2m is what a PV guest publishes: this domain is ${domain.type}` });
    } else if (domain.p2m && domain.p2m.form !== 'none' && domain.frames > SIM_PV_FRAMES_MAX) {
      ctx.addIssue({ code: 'custom', path: ['frames'], message: `${hex(domain.frames)} is more than the ${hex(SIM_PV_FRAMES_MAX)} frames a simulated PV guest with a p2m may have` });
    }
    domain.layout.forEach((range, i) => {
      if (range.first > range.last) {
        ctx.addIssue({ code: 'custom', path: ['layout', i, 'first'], message: `${hex(range.first)} is after last ${hex(range.last)}` });
      } else if (range.last > lastFrame) {
        ctx.addIssue({
          code: 'custom',
          path: ['layout', i, 'last'],
          message: `${hex(range.last)} is past the domain's last frame ${hex(lastFrame)}`,
        });
      }
    });
    domain.plants.forEach((plant, i) => {
      if (plant.gfn > lastFrame) {
        ctx.addIssue({
          code: 'custom',
          path: ['plants', i, 'gfn'],
          message: `${hex(plant.gfn)} is past the domain's last frame ${hex(lastFrame)}`,
        });
        return;
      }
      // Bytes that run past the page go on at the start of the next frame, which must exist.
      const length = plantBytes(plant).length;
      const pages = Math.ceil((plant.offset + length) / SIM_PAGE_SIZE);
      if (plant.gfn + pages - 1 > lastFrame) {
        ctx.addIssue({
          code: 'custom',
          path: ['plants', i],
          message: `${length} bytes at offset ${plant.offset} of gfn ${hex(plant.gfn)} run past the domain's last frame ${hex(lastFrame)}`,
        });
      }
    });
  })
  .transform((domain) => {
    const memoryKiB = domain.memoryKiB ?? domain.frames * KIB_PER_FRAME;
    return { ...domain, memoryKiB, maxMemoryKiB: domain.maxMemoryKiB ?? memoryKiB };
  });

export type SimDomainConfig = z.output<typeof domainSchema>;

export const simHostConfigSchema = z
  .object({
    seed: safeCount.default(1),
    clock: z.enum(['realtime', 'stepped']).default('realtime'),
    knobs: z
      .object({
        noV2: z.boolean().optional(),
        v2Errno: z.enum(['ENOTTY', 'EINVAL']).optional(),
        v1Quirk: z.boolean().optional(),
        enoentRule: z.enum(['block-last', 'any']).optional(),
        /** Opening /dev/xen/privcmd fails so, as for a user without access (or a host without the device). */
        openErrno: z.enum(['EACCES', 'EPERM', 'ENOENT']).optional(),
        /** The domain framescope runs in (its frames answer ESRCH); null: none of the host's. */
        selfDomid: z.number().int().min(0).max(SIM_DOMID_MAX).nullable().optional(),
        /** The XEN_DOMCTL_INTERFACE_VERSION the hypervisor accepts; others answer EACCES. */
        domctlVersion: z.number().int().min(0).max(UINT32_MAX).optional(),
      })
      .strict()
      .default(() => ({})),
    domains: z.array(domainSchema).min(1),
  })
  .strict()
  .superRefine((host, ctx) => {
    const firstWithId = new Map<number, number>();
    host.domains.forEach((domain, i) => {
      const earlier = firstWithId.get(domain.id);
      if (earlier === undefined) firstWithId.set(domain.id, i);
      else ctx.addIssue({ code: 'custom', path: ['domains', i, 'id'], message: `${domain.id} is already the id of domains[${earlier}]` });
    });
  });

/** A parsed host: defaults filled in, frame numbers as numbers. */
export type SimHostConfig = z.output<typeof simHostConfigSchema>;

function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? String(key) : `.${String(key)}`))
    .join('');
}

/** One line for one zod issue: where, then what, in words about the JSON rather than zod. */
function formatIssue(issue: z.core.$ZodIssue): string {
  let path = issue.path;
  let what: string;
  switch (issue.code) {
    case 'unrecognized_keys':
      path = [...path, issue.keys[0]];
      what = 'unknown key';
      break;
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'an integer' : /^[aeiou]/.test(issue.expected) ? `an ${issue.expected}` : `a ${issue.expected}`;
      what = issue.input === undefined ? `missing: expected ${expected}` : `expected ${expected}, got ${show(issue.input)}`;
      break;
    }
    case 'invalid_value':
      what = `${show(issue.input)} is not one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'too_small':
      if (issue.origin === 'array') what = `needs at least ${issue.minimum} ${issue.minimum === 1 ? 'entry' : 'entries'}`;
      else what = `${show(issue.input)} is ${issue.inclusive ? 'below the minimum' : 'not more than'} ${issue.minimum}`;
      break;
    case 'too_big':
      if (issue.origin === 'array') what = `has more than ${issue.maximum} entries`;
      else what = `${show(issue.input)} is ${issue.inclusive ? 'above the maximum' : 'not less than'} ${issue.maximum}`;
      break;
    default:
      what = issue.message;
  }
  const where = formatPath(path);
  return (where ? `${where}: ${what}` : what).replace(/\s+/g, ' ');
}

function parseOrThrow(json: unknown, source: string): SimHostConfig {
  const result = simHostConfigSchema.safeParse(json, { reportInput: true });
  if (!result.success) throw new SimConfigError(`${source}: ${formatIssue(result.error.issues[0])}`);
  return result.data;
}

/** Checks a host description; the error names the JSON path of the first problem, on one line. */
export function parseSimHostConfig(json: unknown): SimHostConfig {
  return parseOrThrow(json, 'sim config');
}

/** V8 names a character position; people look for a line. Its message may quote text spanning lines. */
function describeJsonError(err: Error, text: string): string {
  let message = err.message.replace(/\s+/g, ' ');
  const position = /at position (\d+)/.exec(message);
  if (position && !/\bline\b/.test(message)) {
    const before = text.slice(0, Number(position[1])).split('\n');
    message += ` (line ${before.length} column ${before[before.length - 1].length + 1})`;
  }
  return message;
}

/** A host file's text, read only if it is a regular file of at most SIM_CONFIG_MAX_BYTES (fstat on the open file). */
function readConfigText(file: string, source: string): string {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO is refused below instead of waiting for a writer
    fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new SimConfigError(`${source}: cannot read it: ${e.code === 'ENOENT' ? 'no such file' : e.message}`);
  }
  try {
    const st = fs.fstatSync(fd);
    if (!st.isFile()) throw new SimConfigError(`${source}: cannot read it: not a regular file`);
    if (st.size > SIM_CONFIG_MAX_BYTES) throw new SimConfigError(`${source}: ${st.size} bytes is too large for a host file (at most ${SIM_CONFIG_MAX_BYTES})`);
    const bytes = Buffer.alloc(st.size);
    let done = 0;
    for (let n = 1; n > 0 && done < bytes.length; done += n) n = fs.readSync(fd, bytes, done, bytes.length - done, done);
    return bytes.toString('utf8', 0, done);
  } finally {
    fs.closeSync(fd);
  }
}

/** A host file's text, as loadSimHostConfigFile reads it; `source` names it in errors. */
export function parseSimHostConfigText(text: string, source = 'sim config'): SimHostConfig {
  // editors on Windows may start the file with a BOM, which JSON.parse refuses
  const json = text.replace(/^\uFEFF/, '');
  let parsed: unknown;
  try {
    parsed = JSON.parse(json);
  } catch (err) {
    throw new SimConfigError(`${source}: not valid JSON: ${describeJsonError(err as Error, json)}`);
  }
  return parseOrThrow(parsed, source);
}

export function loadSimHostConfigFile(file: string): SimHostConfig {
  const source = `sim config ${file}`;
  return parseSimHostConfigText(readConfigText(file, source), source);
}

function applyKnobs(emu: Emulator, knobs: SimHostConfig['knobs']): void {
  if (knobs.noV2 !== undefined) emu.setKnob('no_v2', knobs.noV2 ? 1 : 0);
  if (knobs.v2Errno !== undefined) emu.setKnob('v2_errno', os.constants.errno[knobs.v2Errno]);
  if (knobs.v1Quirk !== undefined) emu.setKnob('v1_quirk', knobs.v1Quirk ? 1 : 0);
  if (knobs.enoentRule !== undefined) emu.setKnob('enoent_rule', knobs.enoentRule === 'any' ? 1 : 0);
  if (knobs.openErrno !== undefined) emu.setKnob('open_errno', os.constants.errno[knobs.openErrno]);
  if (knobs.selfDomid !== undefined) emu.setKnob('self_domid', knobs.selfDomid ?? -1);
  if (knobs.domctlVersion !== undefined) emu.setKnob('domctl_version', knobs.domctlVersion);
}

/**
 * Replaces the emulator's host with the one described. The library is process-global: every
 * caller in this process sees the new host. Knobs not given keep the defaults reset restores.
 */
export function applySimHostConfig(emu: Emulator, config: SimHostConfig): void {
  emu.reset(config.seed);
  emu.setClockMode(config.clock);
  applyKnobs(emu, config.knobs);
  for (const domain of config.domains) {
    emu.addDomain(domain.id, domain.name, DOMAIN_TYPES[domain.type], domain.frames, domain.memoryKiB, domain.maxMemoryKiB);
    for (const range of domain.layout) emu.setRange(domain.id, range.first, range.last, FRAME_KINDS[range.kind]);
    // after the layout: the initial paged fraction is of the RAM the layout leaves
    if (domain.paging) emu.setPaging(domain.id, domain.paging);
    if (domain.p2m) emu.setP2m(domain.id, P2M_FORMS[domain.p2m.form], domain.p2m.hostile ? P2M_HOSTILE[domain.p2m.hostile] : P2mHostile.Sound);
    for (const plant of domain.plants) emu.plant(domain.id, plant.gfn, plant.offset, plantBytes(plant));
  }
}
