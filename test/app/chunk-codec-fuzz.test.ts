/** The chunk codec, fuzzed (see fuzz-targets/chunk-codec.ts). */
import path from 'node:path';

import { fuzzTest } from '../fakes/fuzz-harness';

fuzzTest('chunk-codec', path.join(__dirname, 'fuzz-targets', 'chunk-codec.js'), 3000);
