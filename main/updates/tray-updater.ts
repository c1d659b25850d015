/**
 * electron-updater wired to the generic feed (update-feed.ts decides which). Glue, only type-checked
 * here like main/index.ts: the Electron binary cannot run on the build machines. The app checks at
 * start and every few hours, downloads in the background and installs when it quits anyway (the next
 * sign-out or restart): it never restarts itself, so it never cuts the agent it hosts off in the
 * middle of an upload; when the agent may restart is the agent's update policy.
 */
import electronUpdater from 'electron-updater';
import { UPDATE_CHECK_INTERVAL_MS, updateFeed, updateUrlFile } from './update-feed.ts';

export function startTrayUpdates(isPackaged: boolean, notify: (message: string) => void): void {
  // An unpackaged app (npm run dev) has no app-update.yml and nothing to update.
  if (!isPackaged) return;
  const feed = updateFeed(updateUrlFile(process.env, process.platform));
  if (feed.type === 'problem') return notify(feed.message);
  const { autoUpdater } = electronUpdater;
  if (feed.type === 'site') autoUpdater.setFeedURL({ provider: 'generic', url: feed.url });
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = true;
  // A failed check (offline, feed down) is retried at the next interval; it is no reason to bother anyone.
  const check = () => void autoUpdater.checkForUpdates().catch(() => undefined);
  check();
  setInterval(check, UPDATE_CHECK_INTERVAL_MS);
}
