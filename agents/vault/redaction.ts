/**
 * The process-wide list of secret values that must never reach a log line, a file or an error shown
 * to a person. Every secret read or written through the vault lands here; the logger scrubs every
 * line it writes against it, so a secret leaked by accident (inside an error message, a URL) is
 * still caught.
 */

export const REDACTED = '[REDACTED]';

/** Shorter values would match ordinary words and numbers and mangle logs without protecting much. */
export const MIN_REDACTABLE_LENGTH = 6;

/**
 * pino redact paths for fields that hold secrets by name, whatever their value. `*.x` covers `x`
 * one level down; the value registry covers anything deeper or renamed.
 */
export const SECRET_FIELD_PATHS: readonly string[] = [
  ...[
    'clientSecret',
    'signingSecret',
    'previousSigningSecret',
    'client_secret',
    'secret',
    'password',
    'passwd',
    'pwd',
    'Pwd',
    'PWD',
    'enrollmentKey',
    'enrollment_key',
    'access_token',
    'accessToken',
    'refresh_token',
    'refreshToken',
    'token',
    'apiKey',
    'api_key',
    'authorization',
    'Authorization',
    'cookie',
  ].flatMap((field) => [field, `*.${field}`]),
  'headers.authorization',
  'headers.cookie',
  'headers["x-api-key"]',
  '*.headers.authorization',
  '*.headers.cookie',
  '*.headers["x-api-key"]',
];

const registered = new Set<string>();
let pattern: RegExp | null = null;

/** Remembers `value` so that every later `redactSecrets` call hides it. */
export function registerSecretValue(value: string): void {
  if (value.length < MIN_REDACTABLE_LENGTH) return;
  let added = false;
  for (const form of secretForms(value)) {
    if (!registered.has(form)) {
      registered.add(form);
      added = true;
    }
  }
  if (added) pattern = null;
}

/** `text` with every registered secret value replaced by `[REDACTED]`. */
export function redactSecrets(text: string): string {
  if (registered.size === 0) return text;
  pattern ??= buildPattern();
  return text.replace(pattern, REDACTED);
}

function buildPattern(): RegExp {
  return patternFor(registered);
}

/** The forms a secret takes in text: as is, escaped inside JSON, percent-encoded inside a URL. */
export function secretForms(value: string): string[] {
  return [value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value)];
}

/** `text` with each of `values` (in every form) replaced by `[REDACTED]`, whatever was registered. */
export function redactValues(text: string, values: readonly string[]): string {
  const forms = new Set(values.filter((v) => v.length >= MIN_REDACTABLE_LENGTH).flatMap(secretForms));
  return forms.size === 0 ? text : text.replace(patternFor(forms), REDACTED);
}

function patternFor(forms: Iterable<string>): RegExp {
  // Longest first, so a secret that contains another is replaced whole.
  const alternatives = [...forms]
    .sort((a, b) => b.length - a.length)
    .map((form) => form.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(alternatives.join('|'), 'g');
}
