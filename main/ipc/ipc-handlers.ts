/**
 * The IPC side of preload/contract.ts: one handler per method, each checking that the call comes
 * from our own dashboard window and parsing its arguments with the contract's zod schema before the
 * backend (the agent's control API) is asked. `ipc` is Electron's ipcMain in main/index.ts and a
 * fake in tests; nothing here imports electron.
 */
import { z } from 'zod';
import { IPC_CONTRACT, type InvokeMethod, type Result, type WindowApi } from '../../preload/contract.ts';

export interface IpcSenderInfo {
  /** URL of the frame that sent the message (event.senderFrame.url). */
  frameUrl: string | undefined;
}

export interface IpcRegistrar {
  handle(channel: string, listener: (event: IpcSenderInfo, ...args: unknown[]) => Promise<unknown>): void;
}

export type IpcBackend = Omit<WindowApi, 'subscribe'>;

/** Only our own renderer, loaded from the app's files, may call: never a page it navigated to. */
export function isTrustedSender(frameUrl: string | undefined, rendererIndexUrl: string): boolean {
  if (frameUrl === undefined) return false;
  try {
    const sent = new URL(frameUrl);
    const ours = new URL(rendererIndexUrl);
    return sent.protocol === ours.protocol && sent.host === ours.host && sent.pathname === ours.pathname;
  } catch {
    return false;
  }
}

export function registerIpcHandlers(ipc: IpcRegistrar, backend: IpcBackend, rendererIndexUrl: string): InvokeMethod[] {
  const methods = Object.keys(IPC_CONTRACT) as InvokeMethod[];
  for (const method of methods) {
    const { channel, args } = IPC_CONTRACT[method];
    ipc.handle(channel, async (event, ...raw): Promise<Result<unknown>> => {
      if (!isTrustedSender(event.frameUrl, rendererIndexUrl)) {
        return { ok: false, error: { code: 'forbidden_sender', message: 'Only the dashboard window may call the agent.' } };
      }
      const parsed = (args as z.ZodType).safeParse(raw);
      if (!parsed.success) {
        return { ok: false, error: { code: 'invalid_request', message: `The request is not valid: ${z.prettifyError(parsed.error)}` } };
      }
      const call = backend[method] as (...a: unknown[]) => Promise<Result<unknown>>;
      try {
        return await call(...(parsed.data as unknown[]));
      } catch {
        return { ok: false, error: { code: 'internal_error', message: 'The app could not reach the agent.' } };
      }
    });
  }
  return methods;
}
