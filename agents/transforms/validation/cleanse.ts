/**
 * Cleansing before validation: Unicode normal form and trimming for every text value (so a lookup of
 * "Müller" typed with a combining accent finds the cloud's precomposed "Müller"), then per-field
 * cleaners reused from agents/transforms/reference and /cleansing. A value a cleaner cannot fix is
 * left as it was for the schema or a rule to report: cleansing never drops or invents data.
 */
import type { CleanseConfig, JsonObject, JsonValue } from '../../api/index.ts';
import { DATE_FORMATS, formatPostcode, normaliseDate } from '../cleansing/index.ts';
import { ibanElectronic, normalisePhone, validateBic, validateIban } from '../reference/index.ts';

function cleanAll(value: JsonValue, config: CleanseConfig): JsonValue {
  if (typeof value === 'string') {
    const normal = config.unicode === 'none' ? value : value.normalize(config.unicode);
    return config.trim ? normal.trim() : normal;
  }
  if (Array.isArray(value)) return value.map((item) => cleanAll(item, config));
  if (value !== null && typeof value === 'object') {
    const out: JsonObject = {};
    for (const [key, item] of Object.entries(value)) out[key] = cleanAll(item, config);
    return out;
  }
  return value;
}

function cleanField(value: JsonValue, kind: CleanseConfig['fields'][string]): JsonValue {
  if (typeof value !== 'string') return value;
  if (typeof kind === 'object') {
    if ('phone' in kind) {
      const result = normalisePhone(value, kind.phone);
      return result.ok ? result.value : value;
    }
    const result = formatPostcode(value, kind.postcode);
    return result.ok ? result.value.postcode : value;
  }
  switch (kind) {
    case 'text':
      return value.replace(/\s+/g, ' ');
    case 'upper':
      return value.toUpperCase();
    case 'lower':
      return value.toLowerCase();
    case 'iban': {
      const result = validateIban(value);
      return result.ok ? result.value : ibanElectronic(value);
    }
    case 'bic': {
      const result = validateBic(value);
      return result.ok ? result.value : value;
    }
    case 'date': {
      // Only unambiguous layouts: a day-first/month-first guess would silently move a posting date.
      const result = normaliseDate(value, DATE_FORMATS.filter((format) => format !== 'MM/DD/YYYY'));
      return result.ok ? result.value : value;
    }
  }
}

export function cleanseRecord(data: JsonObject, config: CleanseConfig): JsonObject {
  const out = cleanAll(data, config) as JsonObject;
  for (const [field, kind] of Object.entries(config.fields)) {
    if (Object.hasOwn(out, field)) out[field] = cleanField(out[field]!, kind);
  }
  return out;
}
