/** The whole /api/v1 route table: every route the control API serves, with its role and schemas. */
import type { ControlHandlers } from '../control-protocol.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import type { AnyRoute } from '../route-table.ts';
import { adminRoutes } from './admin-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { coreRoutes } from './core-routes.ts';
import { dataRoutes } from './data-routes.ts';
import { mappingRoutes } from './mapping-routes.ts';
import { quarantineRoutes } from './quarantine-routes.ts';
import { sinkRoutes } from './sink-routes.ts';
import { sourceRoutes } from './source-routes.ts';
import { uiRoutes, type UiRouteContext } from './ui-routes.ts';
import { writebackRoutes } from './writeback-routes.ts';

export function controlRouteTable(handlers: ControlHandlers, port: DashboardPort | undefined, ui: UiRouteContext): AnyRoute[] {
  return [...coreRoutes(handlers), ...sourceRoutes(port), ...dataRoutes(port), ...adminRoutes(handlers, port), ...auditRoutes(port), ...quarantineRoutes(port), ...sinkRoutes(port), ...mappingRoutes(port), ...writebackRoutes(port), ...uiRoutes(ui)];
}
