/**
 * Where a process's resident memory is, from /proc/<pid>/smaps: pages of the node binary itself
 * (its code, V8's builtins and the ICU data compiled into it: file-backed, shared with every other
 * node process and reclaimable, but counted in VmRSS), pages of other mapped files (native
 * modules, the ODBC driver, libc), and anonymous memory (V8's heaps, malloc, thread stacks).
 * It explains the idle figure; what lazy loading can shrink is mostly the anonymous part.
 */
import { readFileSync } from 'node:fs';

export interface RssBreakdownMiB {
  nodeBinary: number;
  otherFiles: number;
  anonymous: number;
}

export function rssBreakdownMiB(pid: number, nodeBinary: string): RssBreakdownMiB {
  const kib = { nodeBinary: 0, otherFiles: 0, anonymous: 0 };
  let mapping = '';
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const header = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (header !== null) {
      mapping = header[1]!;
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss === null) continue;
    const part = mapping === nodeBinary ? 'nodeBinary' : mapping.startsWith('/') ? 'otherFiles' : 'anonymous';
    kib[part] += Number(rss[1]);
  }
  const mib = (n: number) => Math.round((n / 1024) * 10) / 10;
  return { nodeBinary: mib(kib.nodeBinary), otherFiles: mib(kib.otherFiles), anonymous: mib(kib.anonymous) };
}
