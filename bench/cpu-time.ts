// CPU seconds spent by each part of a stack over a phase (Linux /proc): on two cores, throughput is CPU spent
// per case, so this says which process a real case's extra cost lands in. Processes are grouped by who they
// are (the named pids given, else their command line: postgres, minio, the Temporal server); a process that
// started and ended within the phase is counted in its parent's waited-for children (PostgreSQL's backends in
// the postmaster's).
import fs from 'node:fs';

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

export type CpuSnapshot = Map<string, number>;

function groupOf(pid: number, named: Map<number, string>): string {
  const name = named.get(pid);
  if (name) return name;
  let cmdline: string;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return 'other';
  }
  // A backend's title names its database: the Temporal server's own two, or the case record's.
  if (/^postgres: \S+ temporal(_visibility)? /.test(cmdline)) return 'postgres (Temporal)';
  if (/\bpostgres\b/.test(cmdline)) return 'postgres';
  if (/\bminio\b/.test(cmdline)) return 'minio';
  if (/\bstart-dev\b|--allow-no-auth start/.test(cmdline)) return 'temporal';
  return 'other';
}

/** CPU seconds so far by group: each process's own time plus the time of its children it has waited for. */
export function cpuSnapshot(named: Record<string, number>): CpuSnapshot {
  const byPid = new Map(Object.entries(named).map(([name, pid]) => [pid, name]));
  const totals: CpuSnapshot = new Map();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone since the listing
    }
    // Fields after the command (which may hold spaces) in parentheses: utime is the 14th field overall.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    const group = groupOf(Number(entry), byPid);
    totals.set(group, (totals.get(group) ?? 0) + ticks / TICKS_PER_SECOND);
  }
  return totals;
}

/** CPU seconds each group spent between two snapshots (a group absent before counts from zero). */
export function cpuSpent(before: CpuSnapshot, after: CpuSnapshot): CpuSnapshot {
  const spent: CpuSnapshot = new Map();
  for (const [group, seconds] of after) spent.set(group, Math.max(0, seconds - (before.get(group) ?? 0)));
  return spent;
}
