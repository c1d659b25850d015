import { describe, expect, it } from 'vitest';
import { runCloudCommand, type CommandTarget } from './cloud-commands.ts';

function recordingTarget(): CommandTarget & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    hasSource: (name) => name === 'pos-db',
    syncNow: (source) => Promise.resolve(void calls.push(`sync ${source ?? '*'}`)),
    setPaused: (source, paused) => void calls.push(`${paused ? 'pause' : 'resume'} ${source ?? '*'}`),
    resync: (source, stream) => Promise.resolve(void calls.push(`resync ${source}/${stream ?? '*'}`)),
    revoke: () => Promise.resolve(void calls.push('revoke')),
    collectDiagnostics: () => {
      calls.push('diagnostics');
      return Promise.resolve({ name: 'tya-support.zip' });
    },
    rotateCredentials: () => {
      calls.push('rotate');
      return Promise.resolve({ rotatedAt: '2026-12-05T19:00:00.000Z' });
    },
    runExport: (name) => {
      calls.push(`export ${name}`);
      if (name !== 'gl') return Promise.reject(new Error(`no export ${name}`));
      return Promise.resolve({ name, fileName: 'gl.csv', sha256: 'ab', bytes: 3, rows: 1, uploaded: true });
    },
  };
}

describe('cloud commands', () => {
  it('maps each supported command to the engine', async () => {
    const target = recordingTarget();
    for (const [name, args] of [
      ['sync-now', {}],
      ['pause', { source: 'pos-db' }],
      ['resume', {}],
      ['resync-stream', { source: 'pos-db', stream: 'receipts' }],
      ['revoke', {}],
    ] as const) {
      expect(await runCloudCommand({ type: 'command', id: name, name, args }, target)).toEqual({ ok: true });
    }
    expect(await runCloudCommand({ type: 'command', id: 'd', name: 'collect-diagnostics', args: {} }, target)).toEqual({
      ok: true,
      result: { name: 'tya-support.zip' },
    });
    expect(await runCloudCommand({ type: 'command', id: 'r', name: 'rotate-credentials', args: {} }, target)).toEqual({
      ok: true,
      result: { rotatedAt: '2026-12-05T19:00:00.000Z' },
    });
    expect(await runCloudCommand({ type: 'command', id: 'e', name: 'run-export', args: { name: 'gl' } }, target)).toEqual({
      ok: true,
      result: { name: 'gl', fileName: 'gl.csv', sha256: 'ab', bytes: 3, rows: 1, uploaded: true },
    });
    expect(await runCloudCommand({ type: 'command', id: 'f', name: 'run-export', args: { name: 'nope' } }, target)).toMatchObject({
      ok: false,
      error: { message: expect.stringContaining('Export "nope" did not run') as unknown },
    });
    expect(target.calls).toEqual([
      'sync *',
      'pause pos-db',
      'resume *',
      'resync pos-db/receipts',
      'revoke',
      'diagnostics',
      'rotate',
      'export gl',
      'export nope',
    ]);
  });

  it('refuses unknown sources and unsupported commands without touching the engine', async () => {
    const target = recordingTarget();
    expect(
      await runCloudCommand({ type: 'command', id: '1', name: 'sync-now', args: { source: 'nope' } }, target),
    ).toMatchObject({ ok: false, error: { code: 'unknown_source' } });
    expect(await runCloudCommand({ type: 'command', id: '2', name: 'resync-stream', args: {} }, target)).toMatchObject({
      ok: false,
      error: { code: 'source_required' },
    });
    expect(await runCloudCommand({ type: 'command', id: '3', name: 'run-export', args: {} }, target)).toMatchObject({
      ok: false,
      error: { code: 'export_name_required' },
    });
    expect(await runCloudCommand({ type: 'command', id: '5', name: 'push-file', args: {} }, target)).toMatchObject({
      ok: false,
      error: { code: 'not_configured' },
    });
    expect(await runCloudCommand({ type: 'command', id: '4', name: 'format-disk', args: {} }, target)).toMatchObject({
      ok: false,
      error: { code: 'unknown_command', message: expect.stringContaining('format-disk') as unknown },
    });
    expect(target.calls).toEqual([]);
  });
});
