import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FilePutResponseSchema, HeartbeatResponseSchema } from '../../agents/api/cloud.ts';
import { errorCode, jcs, unique, verifyCloudSignature, type ContractAgent } from './contract-client.ts';
import { enrollAgent, needsSandbox, openContractTarget, type ContractTarget } from './contract-target.ts';

let target: ContractTarget;
let agent: ContractAgent;
beforeAll(async () => {
  target = await openContractTarget();
  agent = await enrollAgent(target);
});
afterAll(async () => {
  await target.close();
});

const NAME = 'Wyciąg_0412 (März) €.xml';
const filePath = (sha: string, entity: string, extra = '') =>
  `/v1/files/${sha}?entity=${encodeURIComponent(entity)}&source=bank-folder&name=${encodeURIComponent(NAME)}${extra}`;

describe('contract: files', () => {
  it('stores a file by hash with its UTF-8 name from the signed query: 201, then 200; a bad hash is refused', async () => {
    const bytes = Buffer.concat([Buffer.from('<Document>'), randomBytes(64)]);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const headers = { 'content-type': 'application/xml' };
    const first = await agent.call('PUT', filePath(sha, agent.entity), { body: bytes, headers });
    expect(first.status, first.text).toBe(201);
    expect(FilePutResponseSchema.parse(first.json)).toEqual({ sha256: sha, bytes: bytes.length });
    expect((await agent.call('PUT', filePath(sha, agent.entity), { body: bytes, headers })).status).toBe(200);
    const wrong = await agent.call('PUT', filePath(sha, agent.entity), {
      body: Buffer.concat([bytes, Buffer.from('x')]),
    });
    expect(wrong.status).toBe(400);
    const foreign = await agent.call('PUT', filePath(sha, unique('not-granted')), { body: bytes });
    expect([foreign.status, errorCode(foreign)]).toEqual([403, 'entity_not_allowed']);
    if (needsSandbox(target, 'stored file name')) return;
    const stored = (await target.admin!.files()).find((f) => f.sha256 === sha);
    expect(stored).toMatchObject({
      entity: agent.entity,
      name: NAME,
      source: 'bank-folder',
      contentType: 'application/xml',
    });
  });

  it("never reveals another entity's copy: the same bytes are new (201) for a second entity", async () => {
    const two =
      target.admin === undefined ? agent : await enrollAgent(target, { entities: [unique('e1'), unique('e2')] });
    if (two.credentials.entities.length < 2) {
      console.log('Skipped (second entity): the enrollment key grants one entity only.');
      return;
    }
    const bytes = randomBytes(128);
    const sha = createHash('sha256').update(bytes).digest('hex');
    const [e1, e2] = two.credentials.entities as [string, string];
    expect((await two.call('PUT', filePath(sha, e1), { body: bytes })).status).toBe(201);
    expect((await two.call('PUT', filePath(sha, e2), { body: bytes })).status).toBe(201);
    expect(
      (await two.call('PUT', `${filePath(sha, e2)}&export=${encodeURIComponent('daily sales')}`, { body: bytes }))
        .status,
    ).toBe(200);
  });

  it('serves a file the cloud holds for the entity with GET /v1/files/{sha256}?entity=', async () => {
    if (needsSandbox(target, 'GET /v1/files: needs a file put there by the cloud')) return;
    const bytes = randomBytes(300);
    const sha = await target.admin!.putFileForEntity(agent.entity, bytes, 'payments.xml');
    const got = await fetch(`${target.url}/v1/files/${sha}?entity=${encodeURIComponent(agent.entity)}`, {
      headers: { authorization: `Bearer ${agent.token}`, 'tya-agent-version': '9.0.0' },
    });
    expect(got.status).toBe(200);
    expect(Buffer.from(await got.arrayBuffer()).equals(bytes)).toBe(true);
    const missing = await agent.call('GET', `/v1/files/${'0'.repeat(64)}?entity=${encodeURIComponent(agent.entity)}`);
    expect(missing.status).toBe(404);
  });
});

describe('contract: heartbeat and commands', () => {
  it('answers with commands, the floors of the agent entities and the newest audit head stored', async () => {
    const head = `sha256:${createHash('sha256').update(unique('audit')).digest('hex')}`;
    const answer = await agent.heartbeat({
      auditHead: head,
      alerts: [{ code: 'x', message: 'y', since: new Date().toISOString() }],
    });
    expect(answer.status, answer.text).toBe(200);
    const body = HeartbeatResponseSchema.parse(answer.json);
    expect(Object.keys(body.seqFloors)).toEqual(expect.arrayContaining(agent.credentials.entities));
    expect(body.auditHeadAck).toBe(head);
    expect(HeartbeatResponseSchema.parse((await agent.heartbeat()).json).auditHeadAck).toBe(head);
    for (const command of body.commands) expect(verifyCloudSignature(agent.credentials.cloudKey, command)).toBe(true);
  });

  it('signs each command with the cloud key over its RFC 8785 form, and stores the acks that come back', async () => {
    if (needsSandbox(target, 'queued commands')) return;
    const id = await target.admin!.queueCommand(agent.agentId, 'resync-stream', {
      stream: 'sales',
      source: 'pos',
      n: 1.5,
    });
    const commands = HeartbeatResponseSchema.parse((await agent.heartbeat()).json).commands;
    const command = commands.find((c) => c.id === id)!;
    expect(command).toMatchObject({ type: 'command', name: 'resync-stream', args: { source: 'pos', stream: 'sales' } });
    expect(verifyCloudSignature(agent.credentials.cloudKey, command)).toBe(true);
    expect(
      verifyCloudSignature(agent.credentials.cloudKey, { ...command, args: { ...command.args, stream: 'other' } }),
    ).toBe(false);
    expect(jcs({ b: 1, a: [true, null, 'é'], A: 1.5e21 })).toBe('{"A":1.5e+21,"a":[true,null,"é"],"b":1}');

    const unsigned = await target.admin!.queueCommand(agent.agentId, 'pause', {}, 'missing');
    const forged = await target.admin!.queueCommand(agent.agentId, 'pause', {}, 'invalid');
    const next = HeartbeatResponseSchema.parse((await agent.heartbeat()).json).commands;
    expect(
      verifyCloudSignature(
        agent.credentials.cloudKey,
        next.find((c) => c.id === unsigned)!,
      ),
    ).toBe(false);
    expect(
      verifyCloudSignature(
        agent.credentials.cloudKey,
        next.find((c) => c.id === forged)!,
      ),
    ).toBe(false);

    const ack = { type: 'ack', id, ok: true, result: { rows: 3 } };
    const refusal = {
      type: 'ack',
      id: forged,
      ok: false,
      error: { code: 'bad_command_signature', message: 'refused' },
    };
    expect((await agent.heartbeat({ acks: [ack, refusal] })).status).toBe(200);
    const acks = await target.admin!.acks(agent.agentId);
    expect(acks.map((a) => [a.commandId, a.ok, a.channel])).toEqual([
      [id, true, 'heartbeat'],
      [forged, false, 'heartbeat'],
    ]);
    expect(acks[0]!.ack).toEqual(ack);
  });
});
