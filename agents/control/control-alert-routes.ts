/**
 * `POST /api/v1/alerts/ack {codes: [...] | "all"}`: a person acknowledges events (a short shift, a
 * rejected file). Conditions (revoked, halted, not enrolled…) are refused: they last while their
 * cause does. Kept apart from control-routes.ts so the larger dashboard API can grow beside it.
 */
import { z } from 'zod';
import { AcknowledgeAlertsRequestSchema } from './control-protocol.ts';
import type { ControlHandlers } from './control-protocol.ts';

export interface AlertRouteErrors {
  /** Builds the error the router turns into an HTTP answer. */
  httpError(status: number, code: string, message: string): Error;
}

export const ALERT_ACK_PATH = '/alerts/ack';

export async function acknowledgeAlertsRoute(body: unknown, handlers: ControlHandlers, errors: AlertRouteErrors): Promise<unknown> {
  if (handlers.acknowledgeAlerts === undefined) {
    throw errors.httpError(404, 'not_found', 'This agent cannot acknowledge alerts.');
  }
  const parsed = AcknowledgeAlertsRequestSchema.safeParse(body);
  if (!parsed.success) {
    throw errors.httpError(400, 'invalid_request', `The request is not valid: ${z.prettifyError(parsed.error)}`);
  }
  return handlers.acknowledgeAlerts(parsed.data.codes);
}
