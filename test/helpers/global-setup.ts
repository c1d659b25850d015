/**
 * Runs once before the test files (vitest `globalSetup`): finds what the run has to work with and
 * says in one line each what it lacks, so a skipped test is never silent.
 * - The external corpus (external-corpus.ts): absent → one line; its tests skip.
 * - The servers (services.ts): unreachable → one line each; their tests skip. With
 *   TYA_REQUIRE_SERVICES=1 (CI, which starts them) an unreachable server fails the run instead.
 */
import type { TestProject } from 'vitest/node';
import { corpusSkippedLine, hasExternalCorpus } from './external-corpus.ts';
import { REQUIRE_SERVICES_ENV, TEST_SERVICES, probeServices, serviceSkippedLine, type TestService } from './services.ts';

export async function setup(project: TestProject): Promise<void> {
  const services = await probeServices();
  const missing = (Object.keys(services) as TestService[]).filter((name) => !services[name]);
  if (missing.length > 0 && process.env[REQUIRE_SERVICES_ENV] === '1') {
    const names = missing.map((name) => `${TEST_SERVICES[name].label} (${TEST_SERVICES[name].host}:${TEST_SERVICES[name].port})`);
    throw new Error(
      `${names.join(' and ')} not reachable, and ${REQUIRE_SERVICES_ENV}=1 says every test must run: start it with bash scripts/services.sh.`,
    );
  }
  project.provide('tyaServices', services);
  const lines = missing.map(serviceSkippedLine);
  if (!hasExternalCorpus()) lines.push(corpusSkippedLine());
  for (const line of lines) process.stdout.write(`${line}\n`);
}
