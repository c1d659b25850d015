// ipcMain is touched only here (DESIGN.md §8): adapts it to the injected IpcRegistrar.
import { ipcMain } from 'electron';
import type { IpcRegistrar } from './ipc-handlers.ts';

export const electronIpc: IpcRegistrar = {
  handle: (channel, listener) => ipcMain.handle(channel, (event, ...args: unknown[]) => listener({ frameUrl: event.senderFrame?.url }, ...args)),
};
