/**
 * What unixODBC has registered on this machine: drivers (`odbcinst -q -d`) and data sources
 * (`odbcinst -q -s`), honouring ODBCSYSINI/ODBCINI like the driver manager does.
 */
import { spawn } from 'node:child_process';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command; rejects only when it cannot be started (ENOENT: not installed). */
export type CommandRunner = (command: string, args: string[]) => Promise<CommandResult>;

export const spawnCommand: CommandRunner = (command, args) =>
  new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });

export type OdbcListing = { installed: true; names: string[] } | { installed: false; reason: string };

export async function listOdbcDrivers(run: CommandRunner = spawnCommand): Promise<OdbcListing> {
  return listSection(run, '-d');
}

export async function listOdbcDataSources(run: CommandRunner = spawnCommand): Promise<OdbcListing> {
  return listSection(run, '-s');
}

async function listSection(run: CommandRunner, flag: '-d' | '-s'): Promise<OdbcListing> {
  let result: CommandResult;
  try {
    result = await run('odbcinst', ['-q', flag]);
  } catch (error) {
    return { installed: false, reason: (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'odbcinst is not installed' : String(error) };
  }
  const names = [...result.stdout.matchAll(/^\[([^\]]+)\]\s*$/gm)].map((match) => match[1]!);
  // With nothing defined odbcinst says "SQLGetPrivateProfileString failed" and exits 1.
  if (result.code !== 0 && names.length === 0 && !/SQLGetPrivateProfileString failed/i.test(result.stdout + result.stderr)) {
    return { installed: false, reason: (result.stderr || result.stdout).trim() || `odbcinst exited with ${result.code}` };
  }
  return { installed: true, names };
}
