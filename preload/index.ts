// Exposes the window API as named methods only: never a generic invoke(channel) (DESIGN.md §8).
// Bundled into ONE CommonJS file (a sandboxed preload cannot be an ES module): see vite.preload.config.ts.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { IPC_CONTRACT, LIVE_EVENT_CHANNEL, type InvokeMethod, type WindowApi } from './contract.ts';
import type { LiveEvent } from '../agents/api/index.ts';

function invoker<M extends InvokeMethod>(method: M): WindowApi[M] {
  const channel = IPC_CONTRACT[method].channel;
  return ((...args: unknown[]) => ipcRenderer.invoke(channel, ...args)) as WindowApi[M];
}

const api: WindowApi = {
  getSession: invoker('getSession'),
  getStatus: invoker('getStatus'),
  syncNow: invoker('syncNow'),
  listSources: invoker('listSources'),
  saveSource: invoker('saveSource'),
  removeSource: invoker('removeSource'),
  testConnection: invoker('testConnection'),
  discoverTables: invoker('discoverTables'),
  previewRows: invoker('previewRows'),
  pauseSource: invoker('pauseSource'),
  resumeSource: invoker('resumeSource'),
  resyncSource: invoker('resyncSource'),
  listFiles: invoker('listFiles'),
  approveFile: invoker('approveFile'),
  rejectFile: invoker('rejectFile'),
  voidFile: invoker('voidFile'),
  getQueue: invoker('getQueue'),
  retryDeadLetters: invoker('retryDeadLetters'),
  discardDeadLetters: invoker('discardDeadLetters'),
  listShifts: invoker('listShifts'),
  listActivity: invoker('listActivity'),
  listAudit: invoker('listAudit'),
  getHistory: invoker('getHistory'),
  getCompleteness: invoker('getCompleteness'),
  getSettings: invoker('getSettings'),
  updateSettings: invoker('updateSettings'),
  enroll: invoker('enroll'),
  setSecret: invoker('setSecret'),
  getDiagnostics: invoker('getDiagnostics'),
  listAlerts: invoker('listAlerts'),
  acknowledgeAlert: invoker('acknowledgeAlert'),
  testAlertChannels: invoker('testAlertChannels'),
  getQuarantineSummary: invoker('getQuarantineSummary'),
  listQuarantine: invoker('listQuarantine'),
  editQuarantine: invoker('editQuarantine'),
  replayQuarantine: invoker('replayQuarantine'),
  discardQuarantine: invoker('discardQuarantine'),
  listMappings: invoker('listMappings'),
  previewMapping: invoker('previewMapping'),
  saveMapping: invoker('saveMapping'),
  listWriteback: invoker('listWriteback'),
  listConflicts: invoker('listConflicts'),
  resolveConflict: invoker('resolveConflict'),
  confirmWriteback: invoker('confirmWriteback'),
  getExchange: invoker('getExchange'),
  getSinks: invoker('getSinks'),
  subscribe: (listener) => {
    const handler = (_event: IpcRendererEvent, payload: LiveEvent) => listener(payload);
    ipcRenderer.on(LIVE_EVENT_CHANNEL, handler);
    return () => ipcRenderer.off(LIVE_EVENT_CHANNEL, handler);
  },
};

contextBridge.exposeInMainWorld('tya', api);
