// Exposes the window API as named methods only: never a generic invoke(channel).
import { contextBridge, ipcRenderer } from 'electron';
import { IPC_CHANNELS, type WindowApi } from './contract.ts';

const api: WindowApi = {
  getStatus: () => ipcRenderer.invoke(IPC_CHANNELS.getStatus) as ReturnType<WindowApi['getStatus']>,
  syncNow: (source) => ipcRenderer.invoke(IPC_CHANNELS.syncNow, { source }) as ReturnType<WindowApi['syncNow']>,
};

contextBridge.exposeInMainWorld('tya', api);
