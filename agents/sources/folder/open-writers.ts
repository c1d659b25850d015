/**
 * Whether a process still holds a file open for writing, from Linux's /proc: every process's open
 * files are links in /proc/<pid>/fd, and /proc/<pid>/fdinfo/<fd> gives the mode each was opened
 * with. Node exposes no inotify IN_CLOSE_WRITE and no fcntl lease, so this is how the folder source
 * sees that the writer of a file written in place has closed it (stability-tracker.ts).
 *
 * The answer is only as good as what the agent may look at: another user's processes are hidden from
 * a non-root agent (their fd folders give EACCES). Then nothing can be said ("unknown") unless a
 * visible writer was found, and the caller waits the full stability window instead.
 */
import { readFile, readdir, readlink, realpath } from 'node:fs/promises';

/** `open`: some process has it open for writing; `closed`: no process has; `unknown`: not all processes could be seen. */
export type WriterState = 'open' | 'closed' | 'unknown';

const ACCESS_MODE = 3; // O_ACCMODE: O_RDONLY 0, O_WRONLY 1, O_RDWR 2
const FLAGS = /^flags:\s+([0-7]+)/m;

/**
 * The writer state of each file (absolute paths), from one pass over /proc. Asynchronous, one
 * process at a time with its links read together: a pass over ~150 processes and ~1,600 open files
 * took 30–70 ms on the two busy cores of the build machine, too long to hold the event loop for.
 */
export async function openWriters(files: readonly string[], proc = '/proc'): Promise<Map<string, WriterState>> {
  const states = new Map<string, WriterState>();
  if (process.platform !== 'linux' || files.length === 0) {
    for (const file of files) states.set(file, 'unknown');
    return states;
  }
  // The links name the file as the kernel resolved it (symlinked folders followed).
  const byTarget = new Map<string, string>();
  for (const file of files) {
    try {
      byTarget.set(await realpath(file), file);
    } catch {
      states.set(file, 'unknown');
    }
  }
  let pids: string[];
  try {
    pids = (await readdir(proc)).filter((name) => /^\d+$/.test(name));
  } catch {
    for (const file of files) states.set(file, 'unknown');
    return states;
  }
  let blind = false;
  for (const pid of pids) {
    let fds: string[];
    try {
      fds = await readdir(`${proc}/${pid}/fd`);
    } catch (error) {
      // A process that ended meanwhile is no writer; one that may not be looked at could be.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') blind = true;
      continue;
    }
    const targets = await Promise.all(fds.map((fd) => readlink(`${proc}/${pid}/fd/${fd}`).catch(() => '')));
    for (let k = 0; k < fds.length; k += 1) {
      const file = byTarget.get(targets[k] ?? '');
      if (file === undefined || states.get(file) === 'open') continue;
      if (await writable(`${proc}/${pid}/fdinfo/${fds[k] ?? ''}`)) states.set(file, 'open');
    }
  }
  for (const file of byTarget.values()) if (!states.has(file)) states.set(file, blind ? 'unknown' : 'closed');
  return states;
}

/** Opened for writing; an fdinfo that cannot be read (the fd closed meanwhile) counts as not. */
async function writable(fdinfo: string): Promise<boolean> {
  try {
    const flags = FLAGS.exec(await readFile(fdinfo, 'latin1'))?.[1];
    return flags !== undefined && (parseInt(flags, 8) & ACCESS_MODE) !== 0;
  } catch {
    return false;
  }
}
