/**
 * The SFTP exchange as an agent part: a pull loop per server with a `pull` section (one poll at a
 * time, never overlapping), and the `push-file` cloud command for servers with a `push` section.
 */
import { createHash } from 'node:crypto';
import type { SftpServerConfig } from '../../api/sftp-config.ts';
import type { AgentPart, AgentPartContext, AgentPartFactory } from '../../engine/agent-part.ts';
import type { CommandResult } from '../../delivery/index.ts';
import { openSftp } from './sftp-connection.ts';
import { SftpLedger } from './sftp-ledger.ts';
import { pullOnce, type PullReport } from './sftp-puller.ts';
import { pushFile } from './sftp-pusher.ts';

function servers(ctx: AgentPartContext): SftpServerConfig[] {
  return ctx.config().exchange?.sftp ?? [];
}

export class SftpExchangePart implements AgentPart {
  readonly name = 'sftp-exchange';
  readonly #ctx: AgentPartContext;
  readonly #ledger: SftpLedger;
  readonly #timers: NodeJS.Timeout[] = [];
  readonly #running = new Map<string, Promise<void>>();
  /** Why each file was last left on its server: logged when it changes, not at every poll. */
  readonly #leftReasons = new Map<string, string>();
  #stopped = false;

  constructor(ctx: AgentPartContext) {
    this.#ctx = ctx;
    this.#ledger = new SftpLedger(ctx.dataDir);
    this.#schedule();
  }

  #schedule(): void {
    for (const server of servers(this.#ctx)) {
      if (server.pull === undefined) continue;
      const timer = setInterval(() => void this.pollNow(server.name), server.pull.intervalSecs * 1000);
      timer.unref();
      this.#timers.push(timer);
      void this.pollNow(server.name);
    }
  }

  /** One poll of one server; a poll still running is not started twice. Errors are logged, the next poll retries. */
  pollNow(name: string): Promise<void> {
    const running = this.#running.get(name);
    if (running !== undefined) return running;
    const server = servers(this.#ctx).find((s) => s.name === name);
    if (server?.pull === undefined || this.#stopped) return Promise.resolve();
    const poll = this.#poll(server).finally(() => this.#running.delete(name));
    this.#running.set(name, poll);
    return poll;
  }

  async #poll(server: SftpServerConfig): Promise<void> {
    const name = server.name;
    try {
      const session = await openSftp(server, await this.#ctx.secrets.resolve(server.secret.secretRef));
      try {
        const report = await pullOnce(server, session.sftp, this.#ledger, { fileInfo: (sha) => this.#ctx.outbox.fileInfo(sha) });
        const { afterImportWaiting, ...done } = report;
        if (report.fetched.length + report.sameContent.length + report.afterImport.length > 0) {
          this.#ctx.logger.info({ server: name, ...done }, 'SFTP pull');
        }
        for (const moved of report.afterImport) this.#leftReasons.delete(`${name}\u0000${moved}`);
        this.#logLeftOnServer(name, afterImportWaiting);
      } finally {
        session.close();
      }
    } catch (error) {
      this.#ctx.logger.warn({ server: name, err: error instanceof Error ? error.message : String(error) }, 'SFTP pull failed; retried at the next interval');
    }
  }

  #logLeftOnServer(server: string, left: PullReport['afterImportWaiting']): void {
    for (const { remotePath, state, reason } of left) {
      const key = `${server}\u0000${remotePath}`;
      if (this.#leftReasons.get(key) === reason) continue;
      this.#leftReasons.set(key, reason);
      const fields = { server, remotePath, afterImport: state };
      const message = `SFTP ${server}: ${remotePath} stays on the server, ${reason}`;
      // A kept file needs a person (its refused or quarantined records); waiting ones sort themselves out.
      if (state === 'kept') this.#ctx.logger.warn(fields, message);
      else this.#ctx.logger.info(fields, message);
    }
  }

  command(name: string, args: Readonly<Record<string, unknown>>): Promise<CommandResult> | undefined {
    if (name !== 'push-file') return undefined;
    return this.#push(args);
  }

  async #push(args: Readonly<Record<string, unknown>>): Promise<CommandResult> {
    const { target, sha256, name } = args;
    if (typeof target !== 'string' || typeof sha256 !== 'string' || typeof name !== 'string' || !/^[0-9a-f]{64}$/.test(sha256)) {
      return { ok: false, error: { code: 'bad_args', message: 'push-file needs {target, sha256 (64 lowercase hex), name}' } };
    }
    const server = servers(this.#ctx).find((s) => s.name === target && s.push !== undefined);
    if (server === undefined) {
      return { ok: false, error: { code: 'unknown_target', message: `no exchange.sftp entry named "${target}" with a push section on this agent` } };
    }
    try {
      const already = this.#ledger.pushed(target, sha256);
      if (already !== null) return { ok: true, result: { remotePath: already.remotePath, already: true } };
      const client = this.#ctx.client();
      if (client === null) return { ok: false, error: { code: 'not_enrolled', message: 'the agent is not enrolled: it cannot fetch the file' } };
      const bytes = await client.getFile(sha256, this.#ctx.config().cloud.entity);
      const got = createHash('sha256').update(bytes).digest('hex');
      if (got !== sha256) return { ok: false, error: { code: 'hash_mismatch', message: `the cloud sent a file whose SHA-256 is ${got}, not ${sha256}` } };
      const session = await openSftp(server, await this.#ctx.secrets.resolve(server.secret.secretRef));
      try {
        const outcome = await pushFile(server, session.sftp, this.#ledger, { sha256, name, bytes });
        this.#ctx.logger.info({ server: target, sha256, remotePath: outcome.remotePath }, 'SFTP push');
        return { ok: true, result: { remotePath: outcome.remotePath, already: outcome.already } };
      } finally {
        session.close();
      }
    } catch (error) {
      return { ok: false, error: { code: 'push_failed', message: error instanceof Error ? error.message : String(error) } };
    }
  }

  async configChanged(): Promise<void> {
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    this.#schedule();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers.splice(0)) clearInterval(timer);
    // A poll in progress finishes its file (or fails on it: the temp file is resumed at the next start).
    await Promise.allSettled(this.#running.values());
    this.#ledger.close();
  }
}

export const sftpExchangePart: AgentPartFactory = (ctx) =>
  Promise.resolve(servers(ctx).length === 0 ? null : new SftpExchangePart(ctx));
