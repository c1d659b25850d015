/**
 * A newcomer's config mistakes get a clear message (issue 9, item 4): a misspelled IANA time zone
 * fails validation with the zone it probably meant, and an unknown key gets "did you mean" with the
 * key allowed at that very place (a source's keys depend on its `type`).
 */
import { describe, expect, it } from 'vitest';
import { closestMatch, editDistance } from '../api/did-you-mean.ts';
import { parseConfigText } from './load-config.ts';

const base = {
  agent: { name: 'Store 7', dataDir: './data' },
  cloud: { url: 'http://127.0.0.1:8787', entity: 'store-7' },
};
const odbc = (extra: object) => ({
  type: 'odbc',
  name: 'pos',
  dialect: 'sqlite',
  connectionString: 'DSN=pos',
  streams: [{ name: 'receipts', table: 'receipts', keyColumns: ['id'], cursorColumn: 'id' }],
  ...extra,
});

function problems(config: object): string {
  try {
    parseConfigText(JSON.stringify(config), '/etc/tya-agent/agent.json');
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('config validation for newcomers', () => {
  it('refuses a misspelled time zone, naming the zone it probably meant', () => {
    const message = problems({ ...base, sources: [odbc({ timeZone: 'Europe/Berln' })] });
    expect(message).toContain('/etc/tya-agent/agent.json');
    expect(message).toContain(
      'sources[0].timeZone: "Europe/Berln" is not an IANA time zone; did you mean "Europe/Berlin"?',
    );
    const folder = problems({
      ...base,
      sources: [{ type: 'folder', name: 'bank', path: '/srv/bank', timeZone: 'Mars/Olympus' }],
    });
    expect(folder).toMatch(/sources\[0\]\.timeZone: "Mars\/Olympus" is not an IANA time zone\. Use a name such as/);
  });

  it('accepts real zones, in any letter case, and UTC', () => {
    for (const timeZone of ['Europe/Vienna', 'america/new_york', 'UTC']) {
      expect(() => parseConfigText(JSON.stringify({ ...base, sources: [odbc({ timeZone })] }), 'a.json')).not.toThrow();
    }
  });

  it('says "did you mean" for an unknown key, with the keys allowed at that place', () => {
    const message = problems({
      ...base,
      agent: { ...base.agent, nmae: 'x' },
      logging: { levle: 'debug' },
      sources: [odbc({ intervalSec: 5 }), { type: 'folder', name: 'bank', path: '/srv/bank', stabelMs: 10 }],
      sourcs: [],
    });
    expect(message).toContain('agent: unknown key "nmae" (did you mean "name"?)');
    expect(message).toContain('logging: unknown key "levle" (did you mean "level"?)');
    expect(message).toContain('sources[0]: unknown key "intervalSec" (did you mean "intervalSecs"?)');
    // stableMs exists only on folder sources: the union is resolved by the source's type.
    expect(message).toContain('sources[1]: unknown key "stabelMs" (did you mean "stableMs"?)');
    expect(message).toContain('(top level): unknown key "sourcs" (did you mean "sources"?)');
  });

  it('suggests nothing for a key that is no typo', () => {
    expect(problems({ ...base, agent: { ...base.agent, colour: 'blue' } })).toMatch(/agent: unknown key "colour"$/m);
    expect(closestMatch('colour', ['name', 'dataDir'])).toBeUndefined();
    expect(editDistance('intervalSces', 'intervalSecs')).toBe(1);
  });
});
