import { readdirSync, readFileSync } from 'node:fs';

// CPU time read from /proc, for the benches that set a process's work against its CPU.

/** CPU time the whole machine has been busy (all cores, everything but idle and iowait), in ms. */
export function machineBusyMs(): number {
  const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number);
  if (fields === undefined) return Number.NaN;
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = fields;
  return ((user + nice + system + irq + softirq + steal) * 1000) / 100; // USER_HZ is 100 on Linux
}

/** utime + stime (+ cutime + cstime of reaped children when `reaped`) of a process, in ms. */
function processCpuMs(pid: number, reaped: boolean): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat
      .slice(stat.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const ticks =
      (fields[11] ?? 0) + (fields[12] ?? 0) + (reaped ? (fields[13] ?? 0) + (fields[14] ?? 0) : 0);
    return (ticks * 1000) / 100; // USER_HZ is 100 on Linux
  } catch {
    return 0;
  }
}

/**
 * CPU time of the bench's PostgreSQL cluster so far: the postmaster (found by its `-p <port>`),
 * every live child (backends, walwriter, …) and the children it has reaped, in ms.
 */
export function postgresCpuMs(port: string): number {
  let postmaster: number | undefined;
  const parents = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      parents.set(pid, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv.includes('-p') && argv[argv.indexOf('-p') + 1] === port) postmaster = pid;
    } catch {
      // Gone meanwhile.
    }
  }
  if (postmaster === undefined) return Number.NaN;
  let total = processCpuMs(postmaster, true);
  for (const [pid, parent] of parents) if (parent === postmaster) total += processCpuMs(pid, false);
  return total;
}

/**
 * Times the threads of a process have gone to sleep and been woken (voluntary context switches,
 * summed over /proc/<pid>/task), and how many of those were its main thread's. On this machine a
 * wake-up after a few milliseconds asleep costs far more CPU than one in a busy loop, so this
 * explains CPU per toggle that grows as the load falls.
 */
export function wakeUps(pid: number): { all: number; main: number } {
  const switches = (task: string) => {
    try {
      const status = readFileSync(`/proc/${pid}/task/${task}/status`, 'utf8');
      return Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    } catch {
      return 0;
    }
  };
  let all = 0;
  try {
    for (const task of readdirSync(`/proc/${pid}/task`)) all += switches(task);
  } catch {
    return { all: Number.NaN, main: Number.NaN };
  }
  return { all, main: switches(String(pid)) };
}
