import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ApiValidationError, invokeApi, validateCall } from '../../app/api-schema';
import { apiProxy } from '../../app/inspector-protocol';

/** Records what reached the service: a rejected call must never get there. */
function recordingApi() {
  const calls: string[] = [];
  const reply = (name: string, value: unknown) => async (...args: unknown[]) => {
    calls.push(`${name}(${JSON.stringify(args)})`);
    return value as never;
  };
  const api = { ...apiProxy((method, args) => reply(method, method === 'startScan' ? { scanId: 'x' } : undefined)(...args)), onEvent: () => () => {} };
  return { calls, api };
}

test('well-formed calls pass through unchanged', async () => {
  const { api, calls } = recordingApi();
  await invokeApi(api, 'startScan', [{ domain: 3, first: 0, last: 0xfff, mode: 'retry', batch: 512 }]);
  await invokeApi(api, 'readFrame', [{ domain: 0, gfn: 0x1234 }]);
  await invokeApi(api, 'listDomains', []);
  await invokeApi(api, 'startScan', [{ domain: 3, abi: 'v1' }]);
  await invokeApi(api, 'readFrame', [{ domain: 3, gfn: 1, abi: 'v2' }]);
  await invokeApi(api, 'pageIn', [{ domain: 3, first: 0, last: 9, abi: 'v1' }]);
  await invokeApi(api, 'startSearch', [{ domain: 3, text: 'x', abi: 'v1' }]);
  assert.deepEqual(calls, [
    'startScan([{"domain":3,"first":0,"last":4095,"mode":"retry","batch":512}])',
    'readFrame([{"domain":0,"gfn":4660}])',
    'listDomains([])',
    'startScan([{"domain":3,"abi":"v1"}])',
    'readFrame([{"domain":3,"gfn":1,"abi":"v2"}])',
    'pageIn([{"domain":3,"first":0,"last":9,"abi":"v1"}])',
    'startSearch([{"domain":3,"text":"x","abi":"v1"}])',
  ]);
});

test('nonsense from a renderer gets a clear one-line error and never reaches the service', async () => {
  const { api, calls } = recordingApi();
  const cases: Array<[unknown, unknown, RegExp]> = [
    ['onEvent', [], /no such method: "onEvent"/],
    ['constructor', [], /no such method/],
    [42, [], /no such method: 42/],
    ['startScan', 'not an array', /startScan: arguments must be an array/],
    ['startScan', [], /startScan: .*expected array to have >=1 items/],
    ['startScan', [{ domain: '3' }], /startScan: argument 0\.domain: .*expected number/],
    ['startScan', [{ domain: 3, mode: 'fast' }], /argument 0\.mode/],
    ['startScan', [{ domain: 3, abi: 'v3' }], /argument 0\.abi/],
    ['readFrame', [{ domain: 3, gfn: 0, abi: 'auto' }], /argument 0\.abi/],
    ['startScan', [{ domain: 3, batch: 1e9 }], /argument 0\.batch: .*<=16384/],
    ['startScan', [{ domain: 3, first: -1 }], /argument 0\.first/],
    ['startScan', [{ domain: 3, first: 1.5 }], /argument 0\.first: .*expected int/],
    ['startScan', [{ domain: 70000 }], /argument 0\.domain/],
    ['startScan', [{ domain: 3, __proto__: { evil: 1 }, extra: true }], /Unrecognized keys?: "extra"/],
    ['readFrame', [{ domain: 3 }], /readFrame: argument 0\.gfn/],
    ['readFrame', [{ domain: 3, gfn: 2 ** 60 }], /argument 0\.gfn/],
    ['stopScan', ['x'.repeat(1000)], /stopScan: argument 0/],
    ['hostInfo', [1, 2], /hostInfo: /],
  ];
  for (const [method, args, message] of cases) {
    await assert.rejects(invokeApi(api, method, args), (e: Error) => {
      assert.ok(e instanceof ApiValidationError, String(e));
      assert.match(e.message, message);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    }, `${String(method)} ${JSON.stringify(args)}`);
  }
  assert.deepEqual(calls, []);
});

test('validateCall returns the parsed arguments', () => {
  assert.deepEqual(validateCall('stopScan', ['abc']), { method: 'stopScan', args: ['abc'] });
});
