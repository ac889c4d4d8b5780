import { runPolicyBench } from './policy/policy-bench.js';

// Every benchmark suite, in one process run by `npm run bench`.
await runPolicyBench();
