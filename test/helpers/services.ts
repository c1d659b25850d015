/**
 * The servers some tests need (PostgreSQL, MariaDB), found once per run. `scripts/test.sh` starts
 * them (scripts/services.sh); when one is still unreachable, global-setup.ts prints one line for it
 * and the tests that need it skip (`describe.skipIf(serviceMissing('postgresql'))`). CI sets
 * `TYA_REQUIRE_SERVICES=1`: there a missing server fails the run instead, so nothing is skipped
 * silently where everything is meant to run.
 */
import net from 'node:net';
import { inject } from 'vitest';
import { MARIADB, POSTGRES } from './databases.ts';

/** Add a server here (and to scripts/services.sh) when a test starts to need one. */
export const TEST_SERVICES = {
  postgresql: { label: 'PostgreSQL', host: POSTGRES.host, port: POSTGRES.port },
  mariadb: { label: 'MariaDB', host: MARIADB.host, port: MARIADB.port },
} as const;

export type TestService = keyof typeof TEST_SERVICES;
export type ServiceAvailability = Record<TestService, boolean>;

export const REQUIRE_SERVICES_ENV = 'TYA_REQUIRE_SERVICES';

declare module 'vitest' {
  export interface ProvidedContext {
    tyaServices: ServiceAvailability;
  }
}

/** Whether a TCP connection to the server is accepted within `timeoutMs`. */
export function probeService(service: TestService, timeoutMs = 2000): Promise<boolean> {
  const { host, port } = TEST_SERVICES[service];
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

export async function probeServices(): Promise<ServiceAvailability> {
  const names = Object.keys(TEST_SERVICES) as TestService[];
  const found = await Promise.all(names.map((name) => probeService(name)));
  return Object.fromEntries(names.map((name, i) => [name, found[i]])) as ServiceAvailability;
}

/** The one line a run prints for a server it could not reach. */
export function serviceSkippedLine(service: TestService): string {
  const { label, host, port } = TEST_SERVICES[service];
  return `${label} skipped: nothing answers at ${host}:${port}; the tests that need it are skipped (start it with: bash scripts/services.sh).`;
}

/**
 * True when the tests that need these services must skip: global-setup.ts found one unreachable.
 * Outside a run with that setup (nothing provided) the tests run and fail on their own if one is missing.
 */
export function serviceMissing(...services: TestService[]): boolean {
  const found = inject('tyaServices') as ServiceAvailability | undefined;
  return found !== undefined && services.some((service) => !found[service]);
}
