/** Broker sinks (docs/rabbitmq-sink.md): what each sink has queued, in flight, confirmed and republished. */
import { z } from 'zod';
import { SinkStatusSchema } from '../../api/index.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

export function sinkRoutes(port: DashboardPort | undefined): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET', path: '/sinks', role: 'viewer', tag: 'sinks',
      summary: 'Each configured broker sink: state, records queued, unconfirmed, confirmed, republished, and its last error.',
      params: NoParams, input: NoInput, output: z.array(SinkStatusSchema),
      run: () => requirePort(port).sinks(),
    }),
  ];
}
