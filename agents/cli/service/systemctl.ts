/**
 * systemctl, only where it can work: systemd must be PID 1 (sd_booted(3): /run/systemd/system
 * exists) and the install must target this machine's root. Elsewhere the caller says what it could
 * not do and prints the command to run, instead of pretending.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface Systemctl {
  /** Null when usable; otherwise why not, in words. */
  unusableReason(): string | null;
  run(args: string[]): { ok: boolean; output: string };
}

export function hostSystemctl(root: string): Systemctl {
  return {
    unusableReason() {
      if (root !== '/') return `the service was installed under ${root}, not into this machine's root`;
      if (!existsSync('/run/systemd/system')) return 'systemd is not running on this machine (it is not PID 1: no /run/systemd/system)';
      return null;
    },
    run(args) {
      const result = spawnSync('systemctl', args, { encoding: 'utf8' });
      return { ok: result.status === 0, output: `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || (result.error?.message ?? '') };
    },
  };
}
