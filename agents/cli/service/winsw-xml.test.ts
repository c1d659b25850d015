import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { XMLParser } from 'fast-xml-parser';
import { afterAll, describe, expect, it } from 'vitest';
import { winswXml } from './winsw-xml.ts';

const XSD = path.join(import.meta.dirname, 'winsw-service.xsd');
const JAVA_VALIDATOR = path.resolve(import.meta.dirname, '../../../test/helpers/xsd-validate.java');
const dir = mkdtempSync(path.join(os.tmpdir(), 'tya-winsw-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const NODE = String.raw`C:\Program Files\TYA Sync Agent\node\node.exe`;
const ENTRY = String.raw`C:\Program Files\TYA Sync Agent\agent\cli\main.js`;

function which(binary: string): string | null {
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (existsSync(path.join(folder, binary))) return path.join(folder, binary);
  }
  return null;
}

/** Validates with xmllint when installed, else with the JDK's validator; null when neither exists. */
async function validate(xml: string): Promise<{ ok: boolean; output: string; tool: string } | null> {
  const file = path.join(dir, `definition-${Math.random().toString(36).slice(2)}.xml`);
  writeFileSync(file, xml);
  const run = (cmd: string, args: string[]) =>
    promisify(execFile)(cmd, args).then(
      (r) => ({ ok: true, output: r.stdout + r.stderr }),
      (e: { stdout: string; stderr: string }) => ({ ok: false, output: e.stdout + e.stderr }),
    );
  if (which('xmllint')) return { ...(await run('xmllint', ['--noout', '--schema', XSD, file])), tool: 'xmllint' };
  if (which('java')) return { ...(await run('java', [JAVA_VALIDATOR, XSD, file])), tool: 'java' };
  return null;
}

describe('winswXml', () => {
  const xml = winswXml({ nodePath: NODE, entry: ENTRY });
  const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@' }).parse(xml) as {
    service: Record<string, unknown> & { argument: string[]; env: { '@name': string; '@value': string }[]; onfailure: { '@action': string }[] };
  };

  it('runs node on the agent entry with the config in ProgramData, restarts on failure and rolls its log', () => {
    const s = parsed.service;
    expect(s.id).toBe('tya-agent');
    expect(s.executable).toBe(NODE);
    expect(s.argument).toEqual([ENTRY, 'run', '--config', String.raw`%ProgramData%\TYA Sync Agent\tya-agent.json`]);
    expect(s.env).toContainEqual({ '@name': 'TYA_CONFIG', '@value': String.raw`%ProgramData%\TYA Sync Agent\tya-agent.json` });
    expect(s.onfailure.map((f) => f['@action'])).toEqual(['restart', 'restart', 'restart']);
    expect((s.log as { '@mode': string })['@mode']).toBe('roll-by-size');
    expect(s.serviceaccount).toEqual({ username: String.raw`NT AUTHORITY\LocalService` });
  });

  it('never puts a password for a user account in the file: WinSW asks at install time', () => {
    const custom = winswXml({ nodePath: NODE, entry: ENTRY, serviceAccount: String.raw`OFFICE\svc-tya` });
    expect(custom).toContain('<prompt>console</prompt>');
    expect(custom).not.toContain('<password>');
  });

  it('escapes XML in paths', () => {
    expect(winswXml({ nodePath: String.raw`C:\A&B <x>\node.exe`, entry: ENTRY })).toContain(String.raw`<executable>C:\A&amp;B &lt;x&gt;\node.exe</executable>`);
  });

  it('is valid against the WinSW schema, and the schema rejects a broken definition', async (context) => {
    const result = await validate(xml);
    if (result === null) {
      console.log('skipped: neither xmllint nor java is installed to validate against the XSD');
      context.skip();
    }
    expect(result!.output).toMatch(result!.tool === 'xmllint' ? /validates/ : /valid/);
    expect(result!.ok).toBe(true);
    for (const broken of [
      xml.replace('<onfailure action="restart" delay="10 sec"/>', '<onfailure action="respawn" delay="10 sec"/>'),
      xml.replace(/<executable>.*<\/executable>/, ''),
      xml.replace('<log mode="roll-by-size">', '<log mode="rotate-daily">'),
      xml.replace('<stoptimeout>60 sec</stoptimeout>', '<stoptimeout>soon</stoptimeout>'),
    ]) {
      const rejected = await validate(broken);
      expect(rejected!.ok, broken).toBe(false);
    }
  });
});
