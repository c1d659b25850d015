import { describe, expect, it } from 'vitest';
import { AgentConfigSchema } from '../../api/index.ts';
import { checkOperatorGroup } from './doctor-control.ts';

const config = (control: object) =>
  AgentConfigSchema.parse({ agent: { name: 'a', dataDir: '/tmp/x' }, cloud: { url: 'http://127.0.0.1:9', entity: 'e' }, control });

describe.skipIf(process.platform === 'win32')('doctor: the operator group', () => {
  it('warns when unset or unknown, and is fine for a group that exists', () => {
    const groups = (name: string) => (name === 'tya-operators' ? 1234 : null);
    const unset = checkOperatorGroup(config({}), groups);
    expect([unset.status, unset.text]).toEqual(['warn', expect.stringMatching(/control\.operatorGroup is not set/) as string]);
    const unknown = checkOperatorGroup(config({ operatorGroup: 'bookkeepers' }), groups);
    expect([unknown.status, unknown.text]).toEqual(['warn', expect.stringMatching(/"bookkeepers", which is not a group/) as string]);
    expect(checkOperatorGroup(config({ operatorGroup: 'tya-operators' }), groups)).toMatchObject({ status: 'ok' });
  });
});
