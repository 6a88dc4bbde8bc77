/**
 * Fuzz target: the sim host file parser (app/sim-config.ts), on parsed JSON and on file text as
 * loadSimHostConfigFile reads it. Mutations: a value anywhere in the tree replaced by a hostile
 * one (huge or fractional numbers, frame-number strings of 100 KB, wrong types), keys deleted or
 * added, arrays grown, and the text's bytes flipped, cut and spliced. An accepted host must keep
 * the promises the emulator relies on (frames, layout ranges and plants inside the domain).
 */
import fs from 'node:fs';
import path from 'node:path';

import { loadSimHostConfigFile, parseSimHostConfig, parseSimHostConfigText, SIM_FRAMES_MAX, SIM_PAGE_SIZE, SimConfigError, type SimHostConfig, plantBytes } from '../../../app/sim-config';
import type { FuzzCase, FuzzTarget } from '../../fakes/fuzz-harness';
import { HOSTILE_NUMBERS, int, mutateBytes, pick, type Rand } from '../../fakes/fuzz';

type Input = { json: unknown } | { text: string } | { file: string };

const EXAMPLE = JSON.parse(fs.readFileSync(path.join(__dirname, '../../../../examples/sim-host.json'), 'utf8')) as unknown;
const MINIMAL = { domains: [{ id: 1, name: 'guest', frames: '0x1000', plants: [{ gfn: 2, offset: 4000, text: 'marker' }] }] };
const BASES = [EXAMPLE, MINIMAL];

const HOSTILE_VALUES: readonly unknown[] = [
  ...HOSTILE_NUMBERS, SIM_FRAMES_MAX, SIM_FRAMES_MAX + 1, '0x', '0x' + 'f'.repeat(100_000), '9'.repeat(100_000), '-1', '1e3', '0x100000001',
  '', 'x'.repeat(100), 'a\u0000b', null, true, [], {}, [[[[]]]],
];

/** Every place in the tree: its parent and key. */
function places(node: unknown, out: Array<{ parent: Record<string, unknown> | unknown[]; key: string | number }> = []) {
  if (Array.isArray(node)) {
    node.forEach((v, i) => {
      out.push({ parent: node, key: i });
      places(v, out);
    });
  } else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      out.push({ parent: node as Record<string, unknown>, key: k });
      places(v, out);
    }
  }
  return out;
}

function mutateTree(rand: Rand, base: unknown): { json: unknown; description: string[] } {
  const json = structuredClone(base);
  const description: string[] = [];
  for (let m = 1 + int(rand, 3); m > 0; m--) {
    const all = places(json);
    if (all.length === 0) break;
    const { parent, key } = pick(rand, all);
    const p = parent as Record<string | number, unknown>;
    const what = int(rand, 10);
    if (what === 0) {
      if (Array.isArray(parent)) parent.splice(key as number, 1);
      else delete p[key];
      description.push(`delete ${key}`);
    } else if (what === 1 && !Array.isArray(parent)) {
      p[`unknown${int(rand, 3)}`] = 1;
      description.push(`add a key beside ${key}`);
    } else if (what === 2 && Array.isArray(parent)) {
      const copies = pick(rand, [2, 100, 1000]);
      parent.push(...Array.from({ length: copies }, () => structuredClone(parent[key as number])));
      description.push(`repeat entry ${key} ${copies} times`);
    } else {
      const value = pick(rand, HOSTILE_VALUES);
      p[key] = value;
      description.push(`${key} = ${JSON.stringify(value)?.slice(0, 24)}`);
    }
  }
  return { json, description };
}

/** What the emulator relies on in an accepted host. */
function checkHost(host: SimHostConfig): void {
  const ids = new Set<number>();
  for (const d of host.domains) {
    if (ids.has(d.id)) throw new Error(`domain id ${d.id} twice`);
    ids.add(d.id);
    if (!(Number.isSafeInteger(d.frames) && d.frames >= 1 && d.frames <= SIM_FRAMES_MAX)) throw new Error(`domain ${d.id}: ${d.frames} frames`);
    for (const r of d.layout) if (!(r.first <= r.last && r.last < d.frames)) throw new Error(`domain ${d.id}: layout ${r.first}-${r.last}`);
    for (const p of d.plants) {
      if (Math.ceil((p.offset + plantBytes(p).length) / SIM_PAGE_SIZE) + p.gfn > d.frames) throw new Error(`domain ${d.id}: plant at ${p.gfn} runs past the end`);
    }
  }
}

export const target: FuzzTarget<Input> = {
  name: 'sim-config',

  fixed() {
    const withFrames = (frames: unknown) => ({ json: { domains: [{ id: 1, name: 'g', frames }] } });
    return [
      { description: 'a frame number of 100,000 hex digits', input: withFrames('0x' + 'f'.repeat(100_000)), expect: 'refused' },
      { description: 'a frame number of 1,000,000 decimal digits', input: withFrames('9'.repeat(1_000_000)), expect: 'refused' },
      { description: '2^32 + 1 frames', input: withFrames(SIM_FRAMES_MAX + 1), expect: 'refused' },
      { description: 'JSON nested 100,000 deep', input: { text: '{"domains":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}' }, expect: 'refused' },
      { description: '/dev/zero as the host file', input: { file: '/dev/zero' }, expect: 'refused' },
      { description: 'a directory as the host file', input: { file: __dirname }, expect: 'refused' },
      { description: 'the example host', input: { json: EXAMPLE }, expect: 'accepted' },
      { description: '20,000 layout ranges', input: { json: { domains: [{ id: 1, name: 'g', frames: 40000, layout: Array.from({ length: 20000 }, (_, i) => ({ first: 2 * i, last: 2 * i, kind: 'hole' })) }] } }, expect: 'accepted' },
    ];
  },

  make(rand): FuzzCase<Input> {
    const b = int(rand, BASES.length);
    const strategy = int(rand, 10);
    if (strategy < 5) {
      const { json, description } = mutateTree(rand, BASES[b]);
      return { input: { json }, description: `base ${b}: ${description.join('; ')}` };
    }
    const tree = strategy < 7 ? mutateTree(rand, BASES[b]) : { json: BASES[b], description: [] };
    const { bytes, description } = mutateBytes(rand, Buffer.from(JSON.stringify(tree.json, null, 1), 'utf8'), [], 1 << 16);
    return { input: { text: bytes.toString('utf8') }, description: `base ${b}: ${[...tree.description, ...description].join('; ')} (as text)` };
  },

  run(input) {
    try {
      const host = 'json' in input ? parseSimHostConfig(input.json) : 'text' in input ? parseSimHostConfigText(input.text) : loadSimHostConfigFile(input.file);
      checkHost(host);
      return null;
    } catch (e) {
      if (!(e instanceof SimConfigError)) throw e;
      if (!/^sim config[ :]/.test(e.message) || e.message.includes('\n')) throw new Error(`not one line naming the host file: ${e.message.slice(0, 200)}`);
      return e.name;
    }
  },
};
