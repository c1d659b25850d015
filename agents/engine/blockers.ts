/**
 * What keeps an agent from making progress, in one place, so a one-shot command ends within
 * seconds of the moment nothing can progress (issue 9, item 3) with a sentence that says which and
 * what to do, instead of waiting out its timeout. The queue is kept in every case.
 */
import type { AgentStatus, SourceStatus } from '../api/index.ts';

export type BlockerKind = 'not-enrolled' | 'revoked' | 'halted' | 'sources-stopped';

export interface Blocker {
  kind: BlockerKind;
  /** What holds, in a sentence. */
  message: string;
  /** What a person does about it. */
  hint: string;
}

/**
 * The condition that stops delivery, if any: not enrolled, revoked, or halted by the cloud. These
 * hold until a person acts (or, for a halt, until the cloud's answer changes), so there is no point
 * in waiting for them.
 */
export function deliveryBlocker(status: AgentStatus): Blocker | null {
  const queued = `${status.queue.depth} change${status.queue.depth === 1 ? ' is' : 's are'} kept in the queue`;
  if (status.enrollment.revoked) {
    return {
      kind: 'revoked',
      message: `The cloud revoked this agent, so nothing is sent; ${queued}.`,
      hint: 'Enroll again with a new enrollment key from the portal: "tya-agent enroll --url URL --key -" with the key on standard input. The queue is sent then.',
    };
  }
  if (!status.enrollment.enrolled) {
    return {
      kind: 'not-enrolled',
      message: `This agent is not enrolled with a cloud, so nothing can be sent; ${queued}.`,
      hint: 'Enroll it once with the key from the portal: "tya-agent enroll --url URL --key -" with the key on standard input, then run the command again.',
    };
  }
  const halted = status.cloud.halted;
  if (halted !== null && halted !== undefined) {
    return {
      kind: 'halted',
      message: `The cloud stopped delivery (${halted.kind}): ${halted.message} ${capitalise(queued)}.`,
      hint: 'Fix what the cloud names (see "tya-agent status"); delivery resumes by itself when the cloud accepts this agent again.',
    };
  }
  return null;
}

/**
 * Every source paused or stopped by an error: nothing more will be read. `settled` says whether
 * the sources that are not failing have caught up (so failing ones are all that is left).
 */
export function captureBlocker(sources: readonly SourceStatus[], settled: boolean): Blocker | null {
  const stuck = sources.filter((s) => s.state === 'error' || s.state === 'paused');
  if (!settled || stuck.length === 0) return null;
  const described = stuck
    .map((s) => (s.state === 'paused' ? `${s.name} is paused` : `${s.name}: ${s.lastError?.message ?? 'failing'}`))
    .join('; ');
  const all = stuck.length === sources.length;
  return {
    kind: 'sources-stopped',
    message: `${all ? 'No source can be read' : `${stuck.length} of ${sources.length} sources cannot be read`} (${described}).`,
    hint: 'Fix the cause named above ("tya-agent doctor" checks each source), or resume a paused source; what was read is kept in the queue.',
  };
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
