/**
 * Turns a classified failure into the typed errors of agents/pipeline/errors.ts, for the calls
 * whose callers want an exception (heartbeat, files, reference data) rather than an outcome.
 */
import { BackOffError, NotConnectedError, PermanentError, assertNever } from '../pipeline/errors.ts';
import type { AgentError } from '../pipeline/errors.ts';
import type { FailureOutcome } from './classify.ts';

export function errorFromFailure(outcome: FailureOutcome): AgentError {
  switch (outcome.kind) {
    case 'retry': {
      const { code, message } = outcome.error;
      if (code === 'network_error' || code === 'timeout') {
        return new NotConnectedError(code, message, { hint: 'Check the network, proxy and the cloud URL.' });
      }
      return new BackOffError(code, message, outcome.waitHintMs ?? 0);
    }
    case 'split':
      return new PermanentError('payload_too_large', 'The cloud refused the request as too large.');
    case 'dead-letter':
      return new PermanentError(outcome.error.code, outcome.error.message);
    case 'revoked':
      return new PermanentError('agent_revoked', 'The cloud revoked this agent; delivery stopped.', {
        hint: 'Enroll the agent again with a new enrollment key; the queue is kept.',
      });
    case 'refused':
      // No HTTP answer: the way to the cloud (TLS, proxy) refused. The batch path halts with an
      // alert; a file upload waits and tries again rather than being given up.
      if (outcome.error.status === undefined) {
        return new NotConnectedError(outcome.error.code, outcome.error.message, {
          hint: 'Delivery is paused and the queue kept until the TLS or proxy setting is fixed (docs/network.md).',
        });
      }
      return new PermanentError(outcome.error.code, outcome.error.message, {
        hint: 'Delivery is paused and the queue kept; it is tried again every 5 minutes.',
      });
    case 'upgrade-required':
      return new PermanentError('upgrade_required', 'The cloud no longer accepts this agent version.', {
        hint: 'Install the current agent version; the queue is kept.',
      });
    default:
      return assertNever(outcome, 'failure outcome');
  }
}
