import { readFileSync } from 'node:fs';

/** What V8's `--cpu-prof` writes: a call tree and the node each sample landed in. */
interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
    readonly children?: readonly number[];
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface Hotspot {
  readonly name: string;
  /** Share of the non-idle samples, 0–1. */
  readonly share: number;
}

export interface ProfileSummary {
  /** Sampled milliseconds that were not idle. */
  readonly busyMs: number;
  /** Where samples landed (self time), by package or source file. */
  readonly selfByModule: readonly Hotspot[];
  /** Functions with the most self time. */
  readonly selfByFunction: readonly Hotspot[];
  /** Functions of our own code (`src/`) by inclusive time: what they and their callees cost. */
  readonly inclusiveOwn: readonly Hotspot[];
}

const idleFrames = new Set(['(idle)', '(program)']);

function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  if (pkg !== undefined) return pkg;
  if (url.startsWith('node:')) return 'node internals';
  const own = /\/((?:src|migrations|bench)\/.*)$/.exec(url)?.[1];
  return own ?? url;
}

function frameName(frame: CpuProfile['nodes'][number]['callFrame']): string {
  const name = frame.functionName || '(anonymous)';
  const own = /\/((?:src|migrations|bench)\/.*)$/.exec(frame.url)?.[1];
  // Line numbers of tsx-compiled sources do not match the .ts files; the file names do.
  if (own !== undefined) return `${name} ${own}`;
  const pkg = /\/(node_modules\/.*)$/.exec(frame.url)?.[1] ?? frame.url;
  return pkg === '' ? name : `${name} ${pkg}:${frame.lineNumber + 1}`;
}

function top(map: Map<string, number>, total: number, count: number): Hotspot[] {
  return [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([name, us]) => ({ name, share: us / total }));
}

/** Aggregates one `.cpuprofile` file; `count` rows per list. */
export function summariseCpuProfile(path: string, count = 12): ProfileSummary {
  const profile = JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const selfModule = new Map<string, number>();
  const selfFunction = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = byId.get(id);
    const us = profile.timeDeltas[i] ?? 0;
    if (node === undefined || idleFrames.has(node.callFrame.functionName)) return;
    busy += us;
    const module = moduleOf(node.callFrame.url, node.callFrame.functionName);
    selfModule.set(module, (selfModule.get(module) ?? 0) + us);
    const name = frameName(node.callFrame);
    selfFunction.set(name, (selfFunction.get(name) ?? 0) + us);
    // Each of our functions on the stack counts once per sample, however deep the recursion.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)?.callFrame;
      if (frame === undefined || !/\/src\//.test(frame.url) || frame.functionName === '') continue;
      const own = frameName(frame);
      if (seen.has(own)) continue;
      seen.add(own);
      inclusive.set(own, (inclusive.get(own) ?? 0) + us);
    }
  });
  return {
    busyMs: busy / 1000,
    selfByModule: top(selfModule, busy, count),
    selfByFunction: top(selfFunction, busy, count),
    inclusiveOwn: top(inclusive, busy, count),
  };
}
