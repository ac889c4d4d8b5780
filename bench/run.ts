import { runListBench } from './api/list-bench.js';
import { runAuditPruneScaleBench } from './delivery/audit-prune-scale.js';
import { runClaimScaleBench } from './delivery/claim-scale.js';
import { runDeliveryBench } from './delivery/delivery-bench.js';
import { runPostgresDeliveryBench } from './delivery/postgres-bench.js';
import { runEvaluationBench } from './evaluation/evaluation-bench.js';
import { runPolicyBench } from './policy/policy-bench.js';
import { runClientSdkBench } from './sdk/client-sdk-bench.js';
import { runSdkBench } from './sdk/sdk-bench.js';

// Every benchmark suite, in one process run by `npm run bench`. Name suites to run only those
// (`npm run bench -- delivery`); options starting with `--` go to the suites that take them
// (`npm run bench -- delivery --profile`).
const suites: Readonly<Record<string, (options: readonly string[]) => Promise<void>>> = {
  policy: () => runPolicyBench(),
  delivery: (options) => runDeliveryBench(options),
  'delivery-postgres': (options) => runPostgresDeliveryBench(options),
  'delivery-scale': (options) => runClaimScaleBench(options),
  'audit-prune-scale': (options) => runAuditPruneScaleBench(options),
  sdk: (options) => runSdkBench(options),
  evaluation: () => runEvaluationBench(),
  'client-sdk': (options) => runClientSdkBench(options),
  'api-lists': () => runListBench(),
};

const args = process.argv.slice(2);
const options = args.filter((arg) => arg.startsWith('--'));
const named = args.filter((arg) => !arg.startsWith('--'));
const unknown = named.filter((name) => !(name in suites));
if (unknown.length > 0) {
  console.error(`unknown suite ${unknown.join(', ')}; choose from ${Object.keys(suites).join(', ')}`);
  process.exit(2);
}
for (const name of named.length > 0 ? named : Object.keys(suites)) {
  await suites[name]?.(options);
  console.log('');
}
