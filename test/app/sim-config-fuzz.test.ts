/** The sim host file parser, fuzzed (see fuzz-targets/sim-config.ts). */
import path from 'node:path';

import { fuzzTest } from '../fakes/fuzz-harness';

fuzzTest('sim-config', path.join(__dirname, 'fuzz-targets', 'sim-config.js'), 1000);
