import { existsSync, readdirSync, readFileSync } from 'node:fs';

/** Linux clock ticks per second, the unit of /proc/<pid>/stat times. */
const CLOCK_TICKS = 100;

interface Stat {
  pid: number;
  ppid: number;
  /** utime + stime, and the same of waited-for children, in seconds. */
  own: number;
  children: number;
}

function stat(pid: number): Stat | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return {
      pid,
      ppid: Number(fields[1]),
      own: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
      children: (Number(fields[13]) + Number(fields[14])) / CLOCK_TICKS,
    };
  } catch {
    return null;
  }
}

const pids = () =>
  readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .map(Number);

/**
 * CPU seconds used so far by the Postgres server whose data directory is `dataDir`: the postmaster,
 * its live backends and the backends that have exited. Null when it is not a local server.
 */
export function postgresCpuSeconds(dataDir: string): number | null {
  const pidFile = `${dataDir}/postmaster.pid`;
  if (!existsSync(pidFile)) return null;
  const postmaster = stat(Number(readFileSync(pidFile, 'utf8').split('\n')[0]));
  if (!postmaster) return null;
  const backends = pids()
    .map(stat)
    .filter((s): s is Stat => s !== null && s.ppid === postmaster.pid);
  return postmaster.own + postmaster.children + backends.reduce((sum, s) => sum + s.own, 0);
}

/** CPU seconds used so far by the redis-server listening on `port`, or null when there is none here. */
export function redisCpuSeconds(port: number): number | null {
  for (const pid of pids()) {
    let cmdline = '';
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    } catch {
      continue;
    }
    const args = cmdline.split('\0');
    if (!args[0]?.includes('redis-server')) continue;
    const portArg = args.indexOf('--port');
    if ((portArg >= 0 && args[portArg + 1] === String(port)) || args.some((a) => a.endsWith(`:${port}`))) return stat(pid)?.own ?? null;
  }
  return null;
}

/** CPU seconds used so far by process `pid` (not its children), or null when it is gone. */
export function processCpuSeconds(pid: number): number | null {
  return stat(pid)?.own ?? null;
}

/** CPU seconds used so far by this process. */
export function ownCpuSeconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1e6;
}
