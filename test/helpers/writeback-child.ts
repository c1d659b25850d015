/**
 * A write-back pass in its own process, so a test can kill -9 it at a named fault point
 * (TYA_FAULT_KILL_AT=writeback.after-write:3). Input: TYA_WB_CHILD, JSON of WritebackChildInput.
 */
import type { AgentConfig } from '../../agents/api/index.ts';
import { CloudClient } from '../../agents/delivery/cloud-client.ts';
import { makeApplier, pass } from './writeback-kit.ts';

export interface WritebackChildInput {
  url: string;
  credentials: { agentId: string; clientId: string; clientSecret: string; signingSecret: string };
  config: AgentConfig;
  cloudKey: string;
  dataDir: string;
}

const input = JSON.parse(process.env.TYA_WB_CHILD ?? '{}') as WritebackChildInput;
const c = input.credentials;
const client = new CloudClient({
  baseUrl: input.url,
  agentVersion: '1.4.0',
  timeoutMs: 10_000,
  credentials: {
    agentId: c.agentId,
    clientId: c.clientId,
    getClientSecret: () => Promise.resolve(c.clientSecret),
    getSigningSecret: () => Promise.resolve(c.signingSecret),
  },
});
const { applier, state } = makeApplier(input.config, input.cloudKey, input.dataDir);
applier.recoverInterrupted();
await pass(applier, client);
state.close();
await client.close();
