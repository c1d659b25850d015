import { ControlHttpError } from '../control-routes.ts';
import type { DashboardPort } from '../dashboard-port.ts';

/** The dashboard port, or a 503 when this agent was started without one (a stand-in engine in tests). */
export function requirePort(port: DashboardPort | undefined): DashboardPort {
  if (port === undefined) {
    throw new ControlHttpError(503, 'dashboard_unavailable', 'This agent does not serve the dashboard routes.');
  }
  return port;
}
