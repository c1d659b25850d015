/**
 * Named places where the fault-injection tests kill the agent with SIGKILL, to prove that a crash at
 * the worst moment loses and doubles nothing. Inert unless TYA_FAULT_KILL_AT is set, e.g.
 * `capture.after-commit:3` kills the process the third time that point is reached.
 */
export type FaultPoint =
  | 'capture.before-commit'
  | 'capture.after-commit'
  | 'delivery.before-request'
  | 'delivery.after-response'
  | 'writeback.after-intent'
  | 'writeback.before-commit'
  | 'writeback.after-write';

const plan = parsePlan(process.env.TYA_FAULT_KILL_AT);
let hits = 0;

function parsePlan(raw: string | undefined): { point: string; hit: number } | null {
  if (!raw) return null;
  const [point, hit] = raw.split(':');
  return point ? { point, hit: Number(hit ?? '1') || 1 } : null;
}

export function faultPoint(point: FaultPoint): void {
  if (plan === null || plan.point !== point) return;
  hits += 1;
  if (hits >= plan.hit) process.kill(process.pid, 'SIGKILL');
}
