/** Small shared pieces: page frame, messages, state badges, confirmations, action buttons. */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { Result } from '../api/agent-api.ts';
import { useI18n } from '../i18n/i18n.ts';
import type { Tone } from '../state/health.ts';

export function Page({ title, children, actions }: { title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <section aria-labelledby="page-title" className="page">
      <header className="page-header">
        <h1 id="page-title" tabIndex={-1}>
          {title}
        </h1>
        {actions && <div className="actions">{actions}</div>}
      </header>
      {children}
    </section>
  );
}

/** A result message for screen readers too: polite for success, assertive for failures. */
export function Notice({ tone, children }: { tone: 'ok' | 'error' | 'info'; children: ReactNode }) {
  return (
    <p className={`notice notice-${tone}`} role={tone === 'error' ? 'alert' : 'status'}>
      <span className="notice-mark" aria-hidden="true">
        {tone === 'error' ? '✕' : tone === 'ok' ? '✓' : 'i'}
      </span>{' '}
      {children}
    </p>
  );
}

const TONE_MARK: Record<Tone, string> = { ok: '✓', busy: '↻', warn: '!', error: '✕', idle: '–' };

/** Colour plus a mark plus words: colour is never the only signal. */
export function Badge({ tone, children }: { tone: Tone; children: ReactNode }) {
  return (
    <span className={`badge badge-${tone}`}>
      <span aria-hidden="true">{TONE_MARK[tone]}</span> {children}
    </span>
  );
}

export function Loading({ error }: { error: string | null }) {
  const { t } = useI18n();
  return error === null ? <p className="muted">{t('common.loading')}</p> : <Notice tone="error">{error}</Notice>;
}

/** Runs an API call from a button, shows "working" while it runs and the outcome after. */
export function useAction<T>(): {
  busy: boolean;
  message: { tone: 'ok' | 'error'; text: string } | null;
  run: (call: () => Promise<Result<T>>, success: (value: T) => string) => Promise<T | null>;
  clear: () => void;
} {
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ tone: 'ok' | 'error'; text: string } | null>(null);
  return {
    busy,
    message,
    clear: () => setMessage(null),
    async run(call, success) {
      setBusy(true);
      setMessage(null);
      try {
        const result = await call();
        if (result.ok) {
          setMessage({ tone: 'ok', text: success(result.value) });
          return result.value;
        }
        setMessage({ tone: 'error', text: result.error.message });
        return null;
      } finally {
        setBusy(false);
      }
    },
  };
}

/**
 * A button that asks once more, inline (keyboard friendly, no modal): the "Yes" button takes the
 * focus, Escape or Cancel steps back, and the focus returns to the button that asked.
 */
export function ConfirmButton({ label, question, onConfirm, disabled }: { label: string; question: string; onConfirm: () => void; disabled?: boolean }) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const returnFocus = useRef(false);
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!asking && returnFocus.current) {
      returnFocus.current = false;
      button.current?.focus();
    }
  }, [asking]);
  const stop = () => {
    returnFocus.current = true;
    setAsking(false);
  };
  if (!asking) {
    return (
      <button type="button" ref={button} onClick={() => setAsking(true)} disabled={disabled}>
        {label}
      </button>
    );
  }
  return (
    <span
      className="confirm"
      role="group"
      aria-label={question}
      onKeyDown={(e) => {
        if (e.key === 'Escape') {
          e.preventDefault();
          stop();
        }
      }}
    >
      <span>{question}</span>{' '}
      <button
        type="button"
        className="danger"
        autoFocus
        onClick={() => {
          stop();
          onConfirm();
        }}
      >
        {t('common.yes')}, {label.toLowerCase()}
      </button>{' '}
      <button type="button" onClick={stop}>
        {t('common.cancel')}
      </button>
    </span>
  );
}

/** Plain words first; the technical detail one click away. */
export function MoreDetail({ children, summary }: { children: ReactNode; summary?: string }) {
  const { t } = useI18n();
  return (
    <details className="detail">
      <summary>{summary ?? t('common.details')}</summary>
      {children}
    </details>
  );
}
