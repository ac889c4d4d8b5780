import { cpus, loadavg } from 'node:os';
import { pathToFileURL } from 'node:url';
import { type CompiledPolicy, compilePolicy } from '../../src/policy/compile-policy.js';
import { isAllowed, matchesEntry } from '../../src/policy/evaluate-policy.js';
import { PolicyIndex } from '../../src/policy/policy-index.js';
import type { Statement } from '../../src/policy/policy-statement.js';
import type { TaggedAccess } from '../../src/policy/resource.js';
import { formatRate, measureRate } from '../measure.js';
import { type CasbinFlavour, casbinEnforcer, casbinObject } from './casbin-equivalent.js';
import { auditEntries, integrationPolicies } from './fanout-fixtures.js';
import {
  checkedStatements,
  EVALUATION_ACCESSES,
  PRODUCTION_FLAGS,
  TWENTY_STATEMENTS,
} from './policy-fixtures.js';

const REPETITIONS = 7;
const INTEGRATIONS = 10_000;

// Every batch adds into this; it is printed at the end so no loop is dead code.
const sink = { value: 0 };

interface Row {
  readonly benchmark: string;
  readonly result: string;
  readonly target: string;
}

function evaluationBatch(policy: CompiledPolicy, accesses: readonly TaggedAccess[]) {
  // A power-of-two ring of pre-built accesses: the loop does nothing but evaluate.
  const ring = Array.from({ length: 64 }, (_, i) => accesses[i % accesses.length]!);
  return (iterations: number): number => {
    let allowed = 0;
    for (let i = 0; i < iterations; i++) {
      const access = ring[i & 63]!;
      if (isAllowed(policy, access.action, access.resource)) allowed++;
    }
    return allowed;
  };
}

async function casbinBatch(
  statements: readonly Statement[],
  flavour: CasbinFlavour,
  accesses: readonly TaggedAccess[],
) {
  const enforcer = await casbinEnforcer(statements, flavour);
  const policy = compilePolicy(statements);
  const requests = accesses.map((access) => ({ obj: casbinObject(access.resource), act: access.action }));
  // Equivalence first: a ratio against a model that decides differently would mean nothing.
  accesses.forEach((access, i) => {
    const ours = isAllowed(policy, access.action, access.resource);
    const theirs = enforcer.enforceSync(requests[i]!.obj, requests[i]!.act);
    if (ours !== theirs)
      throw new Error(`casbin (${flavour}) disagrees on ${requests[i]!.act} ${requests[i]!.obj}`);
  });
  const ring = Array.from({ length: 64 }, (_, i) => requests[i % requests.length]!);
  return (iterations: number): number => {
    let allowed = 0;
    for (let i = 0; i < iterations; i++) {
      const request = ring[i & 63]!;
      if (enforcer.enforceSync(request.obj, request.act)) allowed++;
    }
    return allowed;
  };
}

async function evaluationRows(
  name: string,
  statements: readonly Statement[],
  casbinFlavours: readonly CasbinFlavour[],
  target: string,
): Promise<Row[]> {
  const ours = measureRate(
    evaluationBatch(compilePolicy(statements), EVALUATION_ACCESSES),
    10_000_000,
    REPETITIONS,
    sink,
  );
  const rows: Row[] = [
    { benchmark: `${name}: Switchboard isAllowed`, result: formatRate(ours.median), target },
  ];
  for (const flavour of casbinFlavours) {
    const batch = await casbinBatch(statements, flavour, EVALUATION_ACCESSES);
    const theirs = measureRate(batch, 10_000, 5, sink);
    rows.push({ benchmark: `${name}: casbin (${flavour})`, result: formatRate(theirs.median), target: '' });
    rows.push({
      benchmark: `${name}: ratio vs casbin (${flavour})`,
      result: `${(ours.median / theirs.median).toFixed(0)}×`,
      target: flavour === 'regexMatch, cached' ? '' : '≥ 30×',
    });
  }
  return rows;
}

interface FanOutResult {
  readonly mixed: number;
  readonly creations: number;
  readonly fullScan: number;
  readonly distinctFilters: number;
  readonly averageMatches: number;
}

interface FanOutPlan {
  /** Entries per repetition for the mixed set and for the "flag created" set. */
  readonly iterations: number;
  readonly repetitions: number;
  readonly withFullScan: boolean;
}

function measureFanOut(raw: readonly (unknown[] | null)[], plan: FanOutPlan): FanOutResult {
  const policies = raw.map((statements) =>
    statements === null ? null : compilePolicy(checkedStatements(statements)),
  );
  const indexed = new PolicyIndex<number>(policies.map((policy, id) => ({ id, policy })));
  const entries = auditEntries(1000);
  const fullScan = (accesses: readonly TaggedAccess[]): number[] =>
    policies.flatMap((policy, id) => (matchesEntry(policy, accesses) ? [id] : []));

  // The index must find exactly what evaluating every policy finds, or its speed is meaningless.
  let matched = 0;
  for (const entry of entries) {
    const fromIndex = indexed.match(entry.accesses).sort((a, b) => a - b);
    const expected = fullScan(entry.accesses);
    if (fromIndex.join() !== expected.join())
      throw new Error(`index and full scan disagree on "${entry.kind}"`);
    matched += expected.length;
  }

  const indexBatch = (subset: typeof entries) => (iterations: number) => {
    let found = 0;
    for (let i = 0; i < iterations; i++) found += indexed.match(subset[i % subset.length]!.accesses).length;
    return found;
  };
  const scanBatch = (iterations: number) => {
    let found = 0;
    for (let i = 0; i < iterations; i++) {
      const accesses = entries[i % entries.length]!.accesses;
      for (const policy of policies) if (matchesEntry(policy, accesses)) found++;
    }
    return found;
  };
  const creations = entries.filter((entry) => entry.kind.startsWith('flag created'));
  return {
    mixed: measureRate(indexBatch(entries), plan.iterations, plan.repetitions, sink).median,
    creations: measureRate(indexBatch(creations), plan.iterations, plan.repetitions, sink).median,
    fullScan: plan.withFullScan ? measureRate(scanBatch, 100, 3, sink).median : Number.NaN,
    distinctFilters: new Set(policies.map((policy) => policy?.fingerprint ?? '')).size,
    averageMatches: matched / entries.length,
  };
}

function fanOutRows(): Row[] {
  const population = integrationPolicies(INTEGRATIONS);
  // Harder cases for the index, which shares equal filters and equal statements. A statement on a
  // project that never occurs makes every filter unique; a never-used action name added to each
  // list makes every statement unique too. Neither changes any decision.
  const distinctFilters = population.map((statements, i) =>
    statements === null
      ? null
      : [...statements, { effect: 'allow', resources: [`proj/unused-${i}`], actions: ['viewProject'] }],
  );
  const distinctStatements = population.map((statements, i) =>
    statements === null
      ? null
      : statements.map((statement) => {
          const { actions, ...rest } = statement as { actions?: string[] };
          return actions === undefined ? statement : { ...rest, actions: [...actions, `unusedAction${i}`] };
        }),
  );
  const shared = measureFanOut(population, {
    iterations: 2000,
    repetitions: REPETITIONS,
    withFullScan: true,
  });
  const uniqueFilters = measureFanOut(distinctFilters, {
    iterations: 500,
    repetitions: 5,
    withFullScan: false,
  });
  const uniqueStatements = measureFanOut(distinctStatements, {
    iterations: 150,
    repetitions: 5,
    withFullScan: false,
  });
  const ms = (rate: number) => `${(1000 / rate).toFixed(3)} ms per entry`;
  const n = INTEGRATIONS.toLocaleString('en');
  return [
    {
      benchmark: `fan-out, ${n} filters (${shared.distinctFilters} distinct), mixed entries (avg ${shared.averageMatches.toFixed(0)} matches)`,
      result: ms(shared.mixed),
      target: '≤ 0.5 ms',
    },
    {
      benchmark: 'fan-out, same, "flag created" entries (4 accesses)',
      result: ms(shared.creations),
      target: '≤ 0.5 ms',
    },
    {
      benchmark: 'fan-out, same, full scan with matchesEntry (baseline)',
      result: ms(shared.fullScan),
      target: '',
    },
    {
      benchmark: `fan-out, ${n} all-distinct filters, mixed entries`,
      result: ms(uniqueFilters.mixed),
      target: '',
    },
    {
      benchmark: 'fan-out, all-distinct filters, "flag created" entries',
      result: ms(uniqueFilters.creations),
      target: '',
    },
    {
      benchmark: `fan-out, ${n} filters with no statement in common, mixed entries`,
      result: ms(uniqueStatements.mixed),
      target: '',
    },
    {
      benchmark: 'fan-out, no statement in common, "flag created" entries',
      result: ms(uniqueStatements.creations),
      target: '',
    },
  ];
}

export async function runPolicyBench(): Promise<void> {
  const started = Date.now();
  const cpu = cpus();
  console.log(`# policy bench — ${new Date().toISOString()}`);
  console.log(
    `node ${process.version}, ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, load ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}`,
  );
  console.log(`medians of ${REPETITIONS} repetitions (casbin: 5, full scan: 3) after warm-up\n`);

  const rows = [
    ...(await evaluationRows(
      'production flags (1 statement)',
      PRODUCTION_FLAGS,
      ['keyMatch', 'regexMatch, cached'],
      '≥ 10 M/s',
    )),
    ...(await evaluationRows(
      '20 statements, tags + notResources',
      TWENTY_STATEMENTS,
      ['regexMatch', 'regexMatch, cached'],
      '',
    )),
    ...fanOutRows(),
  ];
  console.log('| benchmark | median | target |');
  console.log('|---|---|---|');
  for (const row of rows) console.log(`| ${row.benchmark} | ${row.result} | ${row.target} |`);
  console.log(`\n(sink ${sink.value}; ran in ${((Date.now() - started) / 1000).toFixed(1)} s)`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await runPolicyBench();
