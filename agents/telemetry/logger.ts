/** Placeholder until the vault/telemetry work lands: the logger type every component receives. */
export type { Logger } from 'pino';
