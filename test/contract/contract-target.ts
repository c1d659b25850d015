/**
 * Which cloud the contract suite checks. With `TYA_CONTRACT_URL` unset, a sandbox started in-process
 * on a loopback port (its admin surface then lets the suite look inside). With it set, that server:
 * `TYA_CONTRACT_ENROLLMENT_KEYS` must hold fresh enrollment keys, comma-separated (about 40 for a
 * full run), each for at least one entity; checks that need to look inside the cloud are skipped
 * with a printed line.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EnrollResponseSchema } from '../../agents/api/cloud.ts';
import { SandboxAdmin } from '../../sandbox/admin-client.ts';
import { startSandbox, type Sandbox } from '../../sandbox/server.ts';
import { ContractAgent, errorCode, request, type Answer } from './contract-client.ts';

export interface ContractTarget {
  url: string;
  /** The sandbox's admin client, or undefined when the target is another implementation. */
  admin: SandboxAdmin | undefined;
  /** A fresh enrollment key (for `entities` when the target can make keys for them). */
  newEnrollmentKey(entities?: string[]): Promise<string>;
  close(): Promise<void>;
}

export async function openContractTarget(): Promise<ContractTarget> {
  const url = process.env.TYA_CONTRACT_URL;
  if (url !== undefined && url !== '') {
    const keys = (process.env.TYA_CONTRACT_ENROLLMENT_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter((k) => k !== '');
    return {
      url: url.replace(/\/+$/, ''),
      admin: undefined,
      newEnrollmentKey: () => Promise.resolve(claimKey(url, keys)),
      close: () => Promise.resolve(),
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'tya-contract-'));
  const sandbox: Sandbox = await startSandbox({ dbPath: join(dir, 'cloud.db'), port: 0, entities: ['contract-co'] });
  const admin = new SandboxAdmin(sandbox.url);
  return {
    url: sandbox.url,
    admin,
    newEnrollmentKey: async (entities) =>
      (await admin.createEnrollmentKey(entities === undefined ? {} : { entities })).key,
    close: async () => {
      await sandbox.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Takes the next key no other test file has taken: vitest runs each file in its own process, so the
 * claim is a file created exclusively per key (a key works once anyway).
 */
function claimKey(url: string, keys: readonly string[]): string {
  const dir = join(tmpdir(), 'tya-contract-keys');
  mkdirSync(dir, { recursive: true });
  for (const key of keys) {
    try {
      writeFileSync(join(dir, createHash('sha256').update(`${url}\n${key}`).digest('hex')), '', { flag: 'wx' });
      return key;
    } catch {
      // taken by another test file or an earlier run
    }
  }
  throw new Error(
    'The contract suite ran out of enrollment keys: give it more, unused, in TYA_CONTRACT_ENROLLMENT_KEYS.',
  );
}

/** Prints why a check is skipped and returns true, when the target is not the sandbox. */
export function needsSandbox(target: ContractTarget, what: string): boolean {
  if (target.admin !== undefined) return false;
  console.log(`Skipped (${what}): ${target.url} is not the sandbox, so the suite cannot look inside it.`);
  return true;
}

/** `POST /v1/agents/enroll` with a key, from a hostname. */
export function enrollRequest(target: ContractTarget, key: string, hostname: string): Promise<Answer> {
  return request(target.url, 'POST', '/v1/agents/enroll', {
    body: JSON.stringify({ enrollmentKey: key, name: 'contract-suite', hostname, version: '9.0.0' }),
    headers: { 'content-type': 'application/json' },
  });
}

/** Enrolls a fresh agent and gets it a token. */
export async function enrollAgent(
  target: ContractTarget,
  options: { entities?: string[]; hostname?: string } = {},
): Promise<ContractAgent> {
  const hostname = options.hostname ?? `contract-host-${Math.random().toString(36).slice(2, 8)}`;
  const answer = await enrollRequest(target, await target.newEnrollmentKey(options.entities), hostname);
  if (answer.status !== 201)
    throw new Error(`Enrollment answered ${answer.status} ${errorCode(answer)}: ${answer.text}`);
  const agent = new ContractAgent(target.url, { ...EnrollResponseSchema.parse(answer.json), hostname });
  await agent.refreshToken();
  return agent;
}
