/**
 * The description of the machine a benchmark ran on, written into every result file: CPU model
 * (from /proc/cpuinfo), core count, whether the CPU has AVX-512 IFMA (OpenSSL 3 takes a faster
 * RSA path with it), Node and OpenSSL versions, and the load average when asked.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';

/** What a result file says about the machine. */
export interface Machine {
  cpu: string;
  cores: number;
  avx512ifma: boolean;
  node: string;
  openssl: string;
  os: string;
  /** 1, 5 and 15 minute load averages when the description was taken. */
  loadavg: number[];
}

/** The machine, now. Throws nothing (a missing /proc/cpuinfo gives os.cpus()'s model and avx512ifma false). */
export function machine(): Machine {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    // not Linux: fall back on os.cpus()
  }
  const model = /^model name\s*:\s*(.*)$/m.exec(info)?.[1]?.trim() ?? os.cpus()[0]?.model.trim() ?? '?';
  const flags = /^flags\s*:\s*(.*)$/m.exec(info)?.[1]?.split(/\s+/) ?? [];
  return {
    cpu: model,
    cores: os.cpus().length,
    avx512ifma: flags.includes('avx512ifma'),
    node: process.version,
    openssl: process.versions.openssl,
    os: `${os.type()} ${os.release()}`,
    loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100),
  };
}

/** One line: "2 × AMD EPYC (AVX-512 IFMA), Node v20…, OpenSSL 3…". */
export function machineLine(m: Machine): string {
  return `${m.cores} × ${m.cpu}${m.avx512ifma ? ' (AVX-512 IFMA)' : ' (no AVX-512 IFMA)'}, Node ${m.node}, OpenSSL ${m.openssl}`;
}

/** The whole machine's CPU time so far from /proc/stat, in core-seconds: busy (all processes) and stolen by the hypervisor. */
export function machineCpu(): { busy: number; steal: number } {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (proc(5)); USER_HZ is 100 on Linux
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
    return { busy: (user + nice + system + irq + softirq) / 100, steal: steal / 100 };
  } catch {
    return { busy: NaN, steal: NaN };
  }
}
