import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import { DomainType, Emulator, FrameKind, PagingState, loadEmulator } from '../../native/emulator';
import {
  SimDomainConfig,
  SimHostConfig,
  SimLayoutKind,
  applySimHostConfig,
  loadSimHostConfigFile,
  parseSimHostConfig,
} from '../../app/sim-config';

const EXAMPLE_FILE = path.join(__dirname, '../../../examples/sim-host.json');

// Written out here rather than imported, so the test checks the mapping instead of repeating it.
const EXPECTED_KIND: Record<SimLayoutKind, FrameKind> = {
  ram: FrameKind.Ram,
  paged: FrameKind.Ram,
  hole: FrameKind.Hole,
  ballooned: FrameKind.Ballooned,
  eperm: FrameKind.Perm,
  ebusy: FrameKind.Busy,
  enomem: FrameKind.NoMem,
};
const EXPECTED_TYPE = { hvm: DomainType.Hvm, pvh: DomainType.Pvh, pv: DomainType.Pv };

/** The emulator is process-global: run stepped, so nothing pages behind the test, and leave it empty. */
function withEmulator(body: (emu: Emulator) => void): void {
  const emu = loadEmulator();
  emu.setClockMode('stepped');
  try {
    body(emu);
  } finally {
    emu.reset(1);
  }
}

/** The kind of every frame as the layout paints it, in order, over an all-RAM domain. */
function paintLayout(domain: SimDomainConfig): SimLayoutKind[] {
  const kinds = new Array<SimLayoutKind>(domain.frames).fill('ram');
  for (const range of domain.layout) kinds.fill(range.kind, range.first, range.last + 1);
  return kinds;
}

function minimalHost(domain: Record<string, unknown> = {}): Record<string, unknown> {
  return { domains: [{ id: 1, name: 'guest', frames: '0x1000', ...domain }] };
}

function parseError(json: unknown): string {
  try {
    parseSimHostConfig(json);
  } catch (err) {
    const message = (err as Error).message;
    assert.doesNotMatch(message, /\n/, 'the message is one line');
    return message;
  }
  assert.fail('expected the config to be rejected');
}

test('the example host parses', () => {
  const config = loadSimHostConfigFile(EXAMPLE_FILE);
  assert.equal(config.seed, 7);
  assert.equal(config.clock, 'realtime');
  assert.deepEqual(config.domains.map((d) => d.id), [0, 1, 2]);
  const web = config.domains[1];
  assert.equal(web.frames, 0x100000);
  assert.equal(web.layout[0].last, 0xfffff);
  assert.deepEqual(web.paging?.latencyMs, [12, 50]);
  assert.equal(web.plants.length, 3);
  const tiny = config.domains[2];
  assert.equal(tiny.memoryKiB, 4096 * 4, 'memoryKiB defaults to frames * 4');
  assert.equal(tiny.maxMemoryKiB, tiny.memoryKiB, 'maxMemoryKiB defaults to memoryKiB');
});

test('docs/sim-config.md shows the example file as it is', () => {
  const doc = fs.readFileSync(path.join(__dirname, '../../../docs/sim-config.md'), 'utf8');
  const block = /```json\n([\s\S]*?)\n```/.exec(doc);
  assert.ok(block, 'the doc has a json block');
  assert.deepEqual(JSON.parse(block[1]), JSON.parse(fs.readFileSync(EXAMPLE_FILE, 'utf8')));
});

test('the example host applies to the emulator as the file says', () => {
  const config = loadSimHostConfigFile(EXAMPLE_FILE);
  withEmulator((emu) => {
    applySimHostConfig(emu, { ...config, clock: 'stepped' });
    assert.equal(emu.knob('no_v2'), 0);
    assert.equal(emu.knob('v2_errno'), os.constants.errno.ENOTTY);
    assert.equal(emu.knob('enoent_rule'), 0);

    const domains = emu.domains();
    assert.deepEqual(domains.map((d) => d.domid), config.domains.map((d) => d.id));
    for (const want of config.domains) {
      const got = domains.find((d) => d.domid === want.id);
      assert.ok(got);
      assert.equal(got.name, want.name);
      assert.equal(got.type, EXPECTED_TYPE[want.type]);
      assert.equal(got.frames, want.frames);
      assert.equal(got.targetKiB, want.memoryKiB);
      assert.equal(got.staticMaxKiB, want.maxMemoryKiB);

      const kinds = paintLayout(want);
      const ramFrames = kinds.filter((k) => k === 'ram' || k === 'paged').length;
      const layoutPaged = kinds.filter((k) => k === 'paged').length;
      assert.equal(got.ramFrames, ramFrames, `${want.name}: RAM frames`);
      assert.ok(got.pagedFrames >= layoutPaged && got.pagedFrames <= ramFrames, `${want.name}: paged frames`);
      if (!want.paging && layoutPaged === 0) assert.equal(got.pagedFrames, 0);

      const samples = new Set([0, want.frames - 1]);
      for (const range of want.layout) {
        samples.add(range.first).add(range.last).add(Math.floor((range.first + range.last) / 2));
      }
      for (const gfn of samples) {
        const state = emu.frameState(want.id, gfn);
        assert.equal(state.kind, EXPECTED_KIND[kinds[gfn]], `${want.name} gfn 0x${gfn.toString(16)} is ${kinds[gfn]}`);
        if (kinds[gfn] === 'paged') assert.equal(state.paging, PagingState.Paged);
        if (kinds[gfn] !== 'ram' && kinds[gfn] !== 'paged') assert.equal(state.paging, PagingState.Resident);
      }
    }
    // every frame of the paged range starts paged out, whatever the daemon picked besides
    const web = config.domains[1];
    const paged = web.layout.find((r) => r.kind === 'paged');
    assert.ok(paged);
    for (let gfn = paged.first; gfn <= paged.last; gfn++) {
      assert.equal(emu.frameState(web.id, gfn).paging, PagingState.Paged);
    }
  });
});

test('frame numbers may be hex or decimal strings', () => {
  const config = parseSimHostConfig(
    minimalHost({
      layout: [{ first: '0x10', last: '255', kind: 'hole' }],
      plants: [{ gfn: '0X20', offset: 0, text: 'x' }],
    }),
  );
  const domain = config.domains[0];
  assert.equal(domain.frames, 0x1000);
  assert.deepEqual(domain.layout[0], { first: 0x10, last: 255, kind: 'hole' });
  assert.equal(domain.plants[0].gfn, 0x20);
  withEmulator((emu) => {
    applySimHostConfig(emu, { ...config, clock: 'stepped' });
    assert.equal(emu.domains()[0].frames, 0x1000);
    assert.equal(emu.frameState(1, 0xf).kind, FrameKind.Ram);
    assert.equal(emu.frameState(1, 0x10).kind, FrameKind.Hole);
    assert.equal(emu.frameState(1, 255).kind, FrameKind.Hole);
    assert.equal(emu.frameState(1, 256).kind, FrameKind.Ram);
  });
  for (const bad of ['0x', '-1', '1.5', '', 'ff', ' 12']) {
    assert.match(parseError(minimalHost({ frames: bad })), /^sim config: domains\[0\]\.frames: .* is not a frame number/);
  }
});

test('knobs map onto the emulator knobs', () => {
  const config: SimHostConfig = parseSimHostConfig({
    ...minimalHost(),
    knobs: { noV2: true, v2Errno: 'EINVAL', v1Quirk: true, enoentRule: 'any' },
  });
  withEmulator((emu) => {
    applySimHostConfig(emu, { ...config, clock: 'stepped' });
    assert.equal(emu.knob('no_v2'), 1);
    assert.equal(emu.knob('v2_errno'), os.constants.errno.EINVAL);
    assert.equal(emu.knob('v1_quirk'), 1);
    assert.equal(emu.knob('enoent_rule'), 1);
  });
});

test('selfDomid: the domain framescope runs in, 0 unless told, null for none of the host\'s', () => {
  const cases: Array<[unknown, number]> = [[undefined, 0], [3, 3], [null, -1]];
  for (const [selfDomid, knob] of cases) {
    const config = parseSimHostConfig({ ...minimalHost(), knobs: selfDomid === undefined ? {} : { selfDomid } });
    withEmulator((emu) => {
      applySimHostConfig(emu, { ...config, clock: 'stepped' });
      assert.equal(emu.knob('self_domid'), knob);
    });
  }
  assert.match(parseError({ ...minimalHost(), knobs: { selfDomid: 0x7ff0 } }), /^sim config: knobs\.selfDomid: 32752 is above the maximum 32751/);
  assert.match(parseError({ ...minimalHost(), knobs: { selfDomid: 'dom0' } }), /^sim config: knobs\.selfDomid: expected a number/);
});

test('paging fields default', () => {
  const config = parseSimHostConfig(minimalHost({ paging: {} }));
  assert.deepEqual(config.domains[0].paging, {
    outPerSecond: 0,
    inPerSecond: 0,
    latencyMs: [12, 50],
    initialPagedFraction: 0,
    maxPagedFraction: 0.5,
    ringSize: 64,
  });
});

test('each bad input gives one line naming its JSON path', () => {
  const twoDomains = (second: Record<string, unknown>) => ({
    domains: [{ id: 1, name: 'a', frames: '0x100000' }, { id: 2, name: 'b', frames: '0x100000', ...second }],
  });
  const cases: [string, unknown, string | RegExp][] = [
    ['unknown key', minimalHost({ fram: 1 }), 'sim config: domains[0].fram: unknown key'],
    ['unknown top-level key', { ...minimalHost(), sed: 1 }, 'sim config: sed: unknown key'],
    [
      'last past frames',
      twoDomains({ layout: [{ first: 0, last: '0x100000', kind: 'hole' }] }),
      "sim config: domains[1].layout[0].last: 0x100000 is past the domain's last frame 0xfffff",
    ],
    ['first after last', minimalHost({ layout: [{ first: 9, last: 8, kind: 'ram' }] }), 'sim config: domains[0].layout[0].first: 0x9 is after last 0x8'],
    ['unknown kind', minimalHost({ layout: [{ first: 0, last: 1, kind: 'rom' }] }), /^sim config: domains\[0\]\.layout\[0\]\.kind: "rom" is not one of /],
    ['duplicate id', twoDomains({ id: 1 }), 'sim config: domains[1].id: 1 is already the id of domains[0]'],
    ['min > max latency', minimalHost({ paging: { latencyMs: [50, 12] } }), 'sim config: domains[0].paging.latencyMs: min 50 is greater than max 12'],
    [
      'plant with text and hex',
      minimalHost({ plants: [{ gfn: 0, offset: 0, text: 'a', hex: '00' }] }),
      'sim config: domains[0].plants[0]: has text and hex: give exactly one of text, utf16, hex',
    ],
    ['plant with none', minimalHost({ plants: [{ gfn: 0, offset: 0 }] }), /^sim config: domains\[0\]\.plants\[0\]: has none/],
    ['bad hex', minimalHost({ plants: [{ gfn: 0, offset: 0, hex: 'deadbeeg' }] }), /^sim config: domains\[0\]\.plants\[0\]\.hex: "deadbeeg" is not hex bytes/],
    ['odd hex', minimalHost({ plants: [{ gfn: 0, offset: 0, hex: 'abc' }] }), /^sim config: domains\[0\]\.plants\[0\]\.hex: /],
    ['plant past frames', minimalHost({ plants: [{ gfn: '0x1000', offset: 0, text: 'a' }] }), /^sim config: domains\[0\]\.plants\[0\]\.gfn: 0x1000 is past/],
    [
      'plant running off the end',
      minimalHost({ plants: [{ gfn: '0xfff', offset: 4090, text: 'BOUNDARY' }] }),
      /^sim config: domains\[0\]\.plants\[0\]: 9 bytes at offset 4090 of gfn 0xfff run past/,
    ],
    ['offset too big', minimalHost({ plants: [{ gfn: 0, offset: 4096, text: 'a' }] }), 'sim config: domains[0].plants[0].offset: 4096 is above the maximum 4095'],
    ['reserved domain id', minimalHost({ id: 0x7ff0 }), 'sim config: domains[0].id: 32752 is above the maximum 32751'],
    ['fractional id', minimalHost({ id: 1.5 }), 'sim config: domains[0].id: expected an integer, got 1.5'],
    ['zero frames', minimalHost({ frames: 0 }), /^sim config: domains\[0\]\.frames: must be at least 1/],
    ['too many frames', minimalHost({ frames: 2 ** 32 + 1 }), 'sim config: domains[0].frames: 0x100000001 is more than 2^32 frames'],
    ['empty name', minimalHost({ name: '' }), 'sim config: domains[0].name: must not be empty'],
    ['long name', minimalHost({ name: 'x'.repeat(64) }), /^sim config: domains\[0\]\.name: is 64 bytes/],
    ['missing name', { domains: [{ id: 1, frames: 1 }] }, 'sim config: domains[0].name: missing: expected a string'],
    ['wrong type', minimalHost({ memoryKiB: '1024' }), 'sim config: domains[0].memoryKiB: expected a number, got "1024"'],
    ['bad fraction', minimalHost({ paging: { maxPagedFraction: 1.5 } }), 'sim config: domains[0].paging.maxPagedFraction: 1.5 is above the maximum 1'],
    ['bad clock', { ...minimalHost(), clock: 'fast' }, /^sim config: clock: "fast" is not one of "realtime", "stepped"$/],
    ['no domains', { domains: [] }, 'sim config: domains: needs at least 1 entry'],
    ['not an object', [], 'sim config: expected an object, got an array'],
  ];
  for (const [name, json, expected] of cases) {
    const message = parseError(json);
    if (typeof expected === 'string') assert.equal(message, expected, name);
    else assert.match(message, expected, name);
  }
});

test('file problems give one line naming the file', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sim-config-'));
  try {
    const missing = path.join(dir, 'missing.json');
    assert.throws(() => loadSimHostConfigFile(missing), { message: `sim config ${missing}: cannot read it: no such file` });

    const broken = path.join(dir, 'broken.json');
    fs.writeFileSync(broken, '{\n  "domains": [\n    { "id": 1,, }\n');
    assert.throws(() => loadSimHostConfigFile(broken), (err: Error) => {
      assert.match(err.message, new RegExp(`^sim config ${broken.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: `));
      assert.match(err.message, /\(line 3 column \d+\)$/);
      assert.doesNotMatch(err.message, /\n/);
      return true;
    });

    const invalid = path.join(dir, 'invalid.json');
    fs.writeFileSync(invalid, JSON.stringify(minimalHost({ frames: 0 })));
    assert.throws(() => loadSimHostConfigFile(invalid), { message: new RegExp(`^sim config .*invalid\\.json: domains\\[0\\]\\.frames: `) });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('p2m: a PV guest publishes one in the form asked for; other guests cannot', () => {
  const pv = (p2m: unknown, frames = '0x1000') => ({ domains: [{ id: 1, name: 'pv', type: 'pv', frames, layout: [{ first: '0x100', last: '0x1ff', kind: 'ballooned' }], p2m }] });
  withEmulator((emu) => {
    applySimHostConfig(emu, { ...parseSimHostConfig(pv({})), clock: 'stepped' });
    assert.ok(emu.machineFrame(1, 0) > 0x1000, 'the default form publishes a p2m: pfns live in machine frames of their own');
    assert.throws(() => emu.machineFrame(1, 0x100), /EINVAL/, 'a ballooned pfn has no machine frame');
    applySimHostConfig(emu, { ...parseSimHostConfig(pv({ form: 'none' })), clock: 'stepped' });
    assert.throws(() => emu.machineFrame(1, 0), /EINVAL/, 'not published');
  });
  assert.equal(parseSimHostConfig(pv({ form: 'tree', hostile: 'loop' })).domains[0].p2m?.hostile, 'loop');
  assert.match(parseError(pv({ form: 'mesh' })), /^sim config: domains\[0\]\.p2m\.form: "mesh" is not one of "none", "list", "tree", "both"$/);
  assert.match(parseError(pv({ hostile: 'evil' })), /^sim config: domains\[0\]\.p2m\.hostile: "evil" is not one of "loop", "out-of-range"/);
  assert.match(parseError({ domains: [{ id: 1, name: 'hvm', frames: 16, p2m: {} }] }), /^sim config: domains\[0\]\.p2m: a p2m is what a PV guest publishes: this domain is hvm$/);
  assert.match(parseError(pv({}, '0x1000001')), /^sim config: domains\[0\]\.frames: 0x1000001 is more than the 0x1000000 frames a simulated PV guest with a p2m may have$/);
});
