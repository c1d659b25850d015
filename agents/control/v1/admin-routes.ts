/** Settings (cloud, enrollment, write-only credentials), diagnostics, alerts. */
import { z } from 'zod';
import { AlertSchema, DiagnosticsViewSchema, SettingsViewSchema } from '../../api/index.ts';
import { ALERT_CHANNEL_NAMES, AlertChannelTestSchema } from '../../api/notify-config.ts';
import { CloudProxySchema, CloudTlsSchema } from '../../api/cloud-transport-config.ts';
import type { ControlHandlers } from '../control-protocol.ts';
import type { DashboardPort } from '../dashboard-port.ts';
import { defineRoute, NoInput, NoParams, type AnyRoute } from '../route-table.ts';
import { requirePort } from './port-access.ts';

const SecretRef = z.string().regex(/^[A-Za-z0-9._/-]+$/);

export function adminRoutes(handlers: ControlHandlers, port: DashboardPort | undefined): AnyRoute[] {
  const p = () => requirePort(port);
  return [
    defineRoute({
      method: 'GET',
      path: '/settings',
      role: 'viewer',
      tag: 'settings',
      summary: 'Cloud connection, enrollment, log level, the age of each stored credential, the alert channels, previous config versions.',
      params: NoParams,
      input: NoInput,
      output: SettingsViewSchema,
      run: () => p().settings(),
    }),
    defineRoute({
      method: 'PUT',
      path: '/settings',
      role: 'admin',
      tag: 'settings',
      summary: 'Change the agent name, cloud settings or log level: validated like the file, applied without a restart.',
      params: NoParams,
      input: z.strictObject({
        agentName: z.string().min(1).max(100).optional(),
        cloud: z
          .strictObject({
            url: z.string().min(1).optional(),
            entity: z.string().min(1).optional(),
            timeoutMs: z.number().int().optional(),
            heartbeatIntervalSecs: z.number().optional(),
            /** Replaces cloud.proxy / cloud.tls whole (docs/network.md); the loader validates them like the file. */
            proxy: CloudProxySchema.optional(),
            tls: CloudTlsSchema.optional(),
          })
          .optional(),
        logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace']).optional(),
      }),
      output: SettingsViewSchema,
      run: ({ input }) => p().updateSettings(input),
    }),
    defineRoute({
      method: 'POST',
      path: '/settings/enroll',
      role: 'admin',
      tag: 'settings',
      summary: 'Enroll with the one-time key from the portal; the credentials go to the keychain and sending starts.',
      params: NoParams,
      input: z.strictObject({ url: z.url(), key: z.string().min(1).max(4096) }),
      output: SettingsViewSchema,
      run: ({ input }) => p().enroll(input),
    }),
    defineRoute({
      method: 'PUT',
      path: '/settings/secrets/{ref}',
      role: 'admin',
      tag: 'settings',
      summary: 'Store a credential in the OS keychain (write-only: it is never read back, only its age shown).',
      params: z.strictObject({ ref: SecretRef }),
      input: z.strictObject({ value: z.string().min(1).max(4096) }),
      output: z.null(),
      run: async ({ params, input }) => {
        await p().setSecret(params.ref, input.value);
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      path: '/diagnostics',
      role: 'admin',
      tag: 'diagnostics',
      summary: 'The doctor’s checks and the newest lines of the log.',
      params: NoParams,
      input: z.strictObject({ lines: z.coerce.number().int().min(1).max(2000).default(200) }),
      output: DiagnosticsViewSchema,
      run: ({ input }) => p().diagnostics(input),
    }),
    defineRoute({
      method: 'GET',
      path: '/alerts',
      role: 'viewer',
      tag: 'alerts',
      summary: 'Open alerts: what needs a person, since when.',
      params: NoParams,
      input: NoInput,
      output: z.array(AlertSchema),
      run: async () => (await handlers.status()).alerts,
    }),
    defineRoute({
      method: 'POST',
      path: '/alerts/{code}/ack',
      role: 'operator',
      tag: 'alerts',
      summary: 'Acknowledge an alert: it leaves the list (it comes back if the problem happens again).',
      params: z.strictObject({ code: z.string().regex(/^[A-Za-z0-9_.:-]{1,120}$/) }),
      input: NoInput,
      output: z.object({ acknowledged: z.boolean() }),
      run: ({ params }) => ({ acknowledged: p().acknowledgeAlert(params.code) }),
    }),
    defineRoute({
      method: 'POST',
      path: '/alerts/test',
      role: 'operator',
      tag: 'alerts',
      summary: 'Send a test notice through every configured alert channel (webhook, e-mail, syslog, event log), or only those named, and say what each one did.',
      params: NoParams,
      input: z.strictObject({ channels: z.array(z.enum(ALERT_CHANNEL_NAMES)).min(1).max(4).optional() }),
      output: z.array(AlertChannelTestSchema),
      run: ({ input }) => p().testAlertChannels(input.channels),
    }),
  ];
}
