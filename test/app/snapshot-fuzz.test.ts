/** The snapshot reader, fuzzed (see fuzz-targets/snapshot.ts). */
import path from 'node:path';

import { fuzzTest } from '../fakes/fuzz-harness';

fuzzTest('snapshot', path.join(__dirname, 'fuzz-targets', 'snapshot.js'), 1000);
