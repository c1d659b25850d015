/** The Overview's one sentence: the most important thing about the agent right now, in plain words. */
import type { AgentStatus } from '../../../agents/api/index.ts';
import type { I18n } from '../i18n/i18n.ts';

export type Tone = 'ok' | 'busy' | 'warn' | 'error' | 'idle';

export interface Health {
  tone: Tone;
  text: string;
}

export function healthSentence(status: AgentStatus | null, i18n: I18n): Health {
  const { t } = i18n;
  if (status === null || !status.agent.running) return { tone: 'error', text: t('health.notRunning') };
  if (!status.enrollment.enrolled) return { tone: 'idle', text: t('health.notEnrolled') };
  if (status.enrollment.revoked) return { tone: 'error', text: t('health.revoked') };
  const critical = status.alerts.find((a) => a.severity === 'critical');
  if (critical) return { tone: 'error', text: t('health.critical', { message: critical.message }) };
  if (status.cloud.reachable === false) {
    const count = i18n.number(status.queue.depth);
    return { tone: 'error', text: status.queue.depth > 0 ? t('health.offline', { count }) : t('health.offlineEmpty') };
  }
  const failing = status.sources.find((s) => s.state === 'error');
  if (failing) return { tone: 'warn', text: t('health.sourceFailing', { name: failing.name, message: failing.lastError?.message ?? '' }) };
  if (status.queue.deadLetters > 0) return { tone: 'warn', text: t('health.attention', { count: i18n.number(status.queue.deadLetters) }) };
  // The alerts themselves are listed on the overview; repeating one here would say it twice.
  if (status.alerts.length > 0) return { tone: 'warn', text: t('health.alerts', { count: i18n.number(status.alerts.length) }) };
  if (status.queue.depth > 0) return { tone: 'busy', text: t('health.sending', { count: i18n.number(status.queue.depth) }) };
  return { tone: 'ok', text: t('health.ok') };
}
