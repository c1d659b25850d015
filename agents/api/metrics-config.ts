/**
 * The opt-in Prometheus endpoint (issue 16 item 8): `GET /metrics` on a loopback address only, since
 * the agent opens no port to the network (a local Prometheus or node-exporter-style agent scrapes it).
 * docs/alerts-and-metrics.md.
 */
import { z } from 'zod';
import { isLoopbackName } from './loopback.ts';


export const MetricsConfigSchema = z
  .object({
    /** The port of `GET /metrics`; 0 picks a free one (for tests: it is logged). */
    port: z.number().int().min(0).max(65_535),
    host: z
      .string()
      .default('127.0.0.1')
      .refine(isLoopbackName, {
        message: 'must be a loopback address (127.0.0.1, ::1, localhost): the agent opens no port to the network',
      }),
  })
  .strict();
export type MetricsConfig = z.infer<typeof MetricsConfigSchema>;
