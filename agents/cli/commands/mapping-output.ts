/**
 * How `tya-agent mapping preview` shows a record: its input fields on the left, the mapped fields
 * (or the error) on the right, one line per field, so a person sees what became of what.
 */
import type { JsonObject, JsonValue } from '../../api/index.ts';
import type { MappingPreview, PreviewRow } from '../../transforms/mapping/index.ts';

const LEFT_WIDTH = 44;
const VALUE_WIDTH = 60;

export function describePreview(preview: MappingPreview, source: string): string[] {
  const lines: string[] = [];
  if (preview.refusals.length > 0) {
    lines.push(`The mapping for "${preview.stream}" is refused; it was not run:`);
    for (const r of preview.refusals) lines.push(`  ${r.message}`);
    return lines;
  }
  lines.push(`Mapping for "${preview.stream}" on ${preview.rows.length} record(s) from ${source}:`);
  preview.rows.forEach((row, i) => lines.push('', ...describeRow(row, i + 1)));
  lines.push('', `${preview.mapped} mapped, ${preview.failed} with errors${preview.rows.length - preview.mapped - preview.failed > 0 ? `, ${preview.rows.length - preview.mapped - preview.failed} delete(s), not mapped` : ''}.`);
  return lines;
}

function describeRow(row: PreviewRow, n: number): string[] {
  const key = Object.entries(row.key).map(([k, v]) => `${k}=${v}`).join(', ');
  const head = `#${n} key ${key} (${row.op}${row.op === 'upsert' ? `, ${row.elapsedMs.toFixed(1)} ms` : ''})`;
  if (row.input === null) return [head, '  a delete: sent with its key, not mapped'];
  const left = ['input', ...flatten(row.input)];
  const right = row.error !== undefined ? ['ERROR', ...wrap(row.error.message)] : ['output', ...flatten(row.output ?? {})];
  const lines = [head];
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const l = left[i] ?? '';
    lines.push(`  ${l.padEnd(LEFT_WIDTH)}${i === 0 ? '→ ' : '  '}${right[i] ?? ''}`.trimEnd());
  }
  if (row.validation !== undefined) {
    if (row.validation.length === 0) lines.push('  validation: passes');
    for (const f of row.validation) lines.push(`  validation: [${f.severity}] ${f.code}${f.path === '' ? '' : ` at ${f.path}`}: ${f.message}`);
  }
  return lines;
}

/** `{a: {b: "1"}, c: [x]}` → `a.b  "1"`, `c[0]  …`: one line per leaf. */
function flatten(value: JsonObject, prefix = ''): string[] {
  const out: string[] = [];
  const visit = (v: JsonValue, path: string): void => {
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${path}  []`);
      v.forEach((item, i) => visit(item, `${path}[${i}]`));
    } else if (v !== null && typeof v === 'object') {
      const entries = Object.entries(v);
      if (entries.length === 0) out.push(`${path}  {}`);
      for (const [k, child] of entries) visit(child, path === '' ? k : `${path}.${k}`);
    } else {
      out.push(fit(`${path}  ${JSON.stringify(v)}`, LEFT_WIDTH - 2));
    }
  };
  visit(value, prefix);
  return out;
}

function fit(text: string, width: number): string {
  return text.length > width ? `${text.slice(0, width - 1)}…` : text;
}

function wrap(text: string): string[] {
  const words = text.split(' ');
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + word.length + 1 > VALUE_WIDTH) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  if (line !== '') lines.push(line);
  return lines;
}
