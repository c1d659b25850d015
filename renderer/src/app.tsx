/**
 * The dashboard frame: a skip link, the navigation, and the screen named in the location hash
 * (`#/queue`), which works the same from file:// in Electron and from the agent over HTTP.
 */
import { useEffect, useMemo, useState } from 'react';
import { createI18n, I18nContext, preferredLocale, type Locale } from './i18n/i18n.ts';
import type { MessageKey } from './i18n/messages-en.ts';
import { ActivityScreen } from './screens/activity-screen.tsx';
import { DiagnosticsScreen, FirstRunScreen, SettingsScreen } from './screens/admin-screens.tsx';
import { CompletenessScreen } from './screens/completeness-screen.tsx';
import { QueueScreen, ShiftsScreen } from './screens/data-screens.tsx';
import { FilesScreen } from './screens/files-screen.tsx';
import { MappingScreen } from './screens/mapping-screen.tsx';
import { OverviewScreen } from './screens/overview-screen.tsx';
import { QuarantineCount, QuarantineScreen } from './screens/quarantine-screen.tsx';
import { SourcesScreen } from './screens/sources-screen.tsx';
import { ExchangeScreen } from './screens/exchange-screen.tsx';
import { WritebackCount, WritebackScreen } from './screens/writeback-screen.tsx';
import { healthSentence } from './state/health.ts';
import { LiveProvider, useLive } from './state/live.tsx';
import { RoleBadge, RoleProvider } from './state/role.tsx';

export const SCREENS = ['overview', 'sources', 'files', 'queue', 'quarantine', 'mappings', 'writeback', 'exchange', 'shifts', 'completeness', 'activity', 'settings', 'diagnostics', 'first-run'] as const;
export type ScreenName = (typeof SCREENS)[number];

const NAV_KEYS: Record<ScreenName, MessageKey> = {
  overview: 'nav.overview',
  sources: 'nav.sources',
  files: 'nav.files',
  queue: 'nav.queue',
  quarantine: 'nav.quarantine',
  mappings: 'nav.mappings',
  writeback: 'nav.writeback',
  exchange: 'nav.exchange',
  shifts: 'nav.shifts',
  completeness: 'nav.completeness',
  activity: 'nav.activity',
  settings: 'nav.settings',
  diagnostics: 'nav.diagnostics',
  'first-run': 'nav.firstRun',
};

function screenFromHash(hash: string): ScreenName {
  const name = hash.replace(/^#\/?/, '');
  return (SCREENS as readonly string[]).includes(name) ? (name as ScreenName) : 'overview';
}

function Screen({ name }: { name: ScreenName }) {
  switch (name) {
    case 'overview':
      return <OverviewScreen />;
    case 'sources':
      return <SourcesScreen />;
    case 'files':
      return <FilesScreen />;
    case 'queue':
      return <QueueScreen />;
    case 'quarantine':
      return <QuarantineScreen />;
    case 'mappings':
      return <MappingScreen />;
    case 'writeback':
      return <WritebackScreen />;
    case 'exchange':
      return <ExchangeScreen />;
    case 'shifts':
      return <ShiftsScreen />;
    case 'completeness':
      return <CompletenessScreen />;
    case 'activity':
      return <ActivityScreen />;
    case 'settings':
      return <SettingsScreen />;
    case 'diagnostics':
      return <DiagnosticsScreen />;
    case 'first-run':
      return <FirstRunScreen />;
  }
}

/** The store's time zone: the first source that names one, else this computer's. */
function storeTimeZone(sources: ReadonlyArray<{ config?: unknown }> | undefined): string {
  for (const s of sources ?? []) {
    const zone = (s.config as { timeZone?: unknown } | undefined)?.timeZone;
    if (typeof zone === 'string' && zone !== 'UTC') return zone;
  }
  return Intl.DateTimeFormat().resolvedOptions().timeZone;
}

function Frame() {
  const [screen, setScreen] = useState<ScreenName>(() => screenFromHash(window.location.hash));
  const [locale, setLocale] = useState<Locale>(() => (localStorage.getItem('tya.locale') as Locale | null) ?? preferredLocale(navigator.languages));
  const { status, error, api } = useLive();
  const [zone, setZone] = useState(() => Intl.DateTimeFormat().resolvedOptions().timeZone);
  const i18n = useMemo(() => createI18n(locale, zone), [locale, zone]);
  const { t } = i18n;
  useEffect(() => {
    void api.listSources().then((r) => r.ok && setZone(storeTimeZone(r.value)));
  }, [api, status?.sources.length]);
  useEffect(() => {
    const onHash = () => {
      setScreen(screenFromHash(window.location.hash));
      // Move focus to the new screen's heading so keyboard and screen-reader users land there.
      requestAnimationFrame(() => document.getElementById('page-title')?.focus());
    };
    window.addEventListener('hashchange', onHash);
    return () => window.removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    document.documentElement.lang = locale;
    localStorage.setItem('tya.locale', locale);
  }, [locale]);
  const health = healthSentence(status, i18n);
  useEffect(() => {
    document.title = `${t(NAV_KEYS[screen])} · ${t('app.title')}`;
  }, [screen, t]);
  return (
    <I18nContext.Provider value={i18n}>
      <a className="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById('page-title')?.focus(); }}>
        {t('app.skip')}
      </a>
      <header className="top">
        <p className="brand">{t('app.title')}</p>
        <RoleBadge />
        <p className={`top-health tone-${health.tone}`}>{status === null ? (error ?? t('app.connecting')) : `${status.agent.name}: ${health.text}`}</p>
        <label className="lang">
          {t('app.language')}{' '}
          <select value={locale} onChange={(e) => setLocale(e.target.value as Locale)}>
            <option value="en">English</option>
            <option value="de">Deutsch</option>
          </select>
        </label>
      </header>
      <div className="layout">
        <nav aria-label={t('nav.label')}>
          <ul>
            {SCREENS.map((name) => (
              <li key={name}>
                <a href={`#/${name}`} aria-current={name === screen ? 'page' : undefined}>
                  {t(NAV_KEYS[name])}
                  {name === 'quarantine' ? <QuarantineCount /> : null}
                  {name === 'writeback' ? <WritebackCount /> : null}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main">
          <Screen name={screen} />
        </main>
      </div>
    </I18nContext.Provider>
  );
}

export function App() {
  return (
    <LiveProvider>
      <RoleProvider>
        <Frame />
      </RoleProvider>
    </LiveProvider>
  );
}
