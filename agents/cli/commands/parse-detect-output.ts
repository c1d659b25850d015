/** `tya-agent parse` on a CSV no profile knows: the proposed profile, its evidence and what is still open, in words. */
import type { CsvDetection } from '../../formats/index.ts';

export function describeProposal(file: string, detection: CsvDetection): string[] {
  const lines = [`${file}: no built-in CSV profile fits; proposed profile "${detection.profile.name}" (confidence ${detection.confidence.toFixed(2)})`, '  Evidence:'];
  const width = Math.max(...detection.evidence.map((e) => e.field.length));
  for (const e of detection.evidence) {
    const value = e.value === '\t' ? 'tab' : e.value;
    const mark = e.certainty === 'certain' ? ' ' : e.certainty === 'likely' ? '~' : '?';
    lines.push(`   ${mark} ${e.field.padEnd(width)}  ${value.length > 60 ? `${value.slice(0, 57)}…` : value}  (${e.reason}${e.line === undefined ? '' : `; line ${e.line}`})`);
  }
  if (detection.ambiguities.length > 0) {
    lines.push('  Not settled by the file (nothing was parsed):');
    for (const a of detection.ambiguities) {
      const readings = a.readings.length === 0 ? '' : ` ${a.readings.join(' or ')}?`;
      lines.push(`    ${a.field}:${readings} ${a.reason}.`, `      Settle with ${a.settle.join(', ')}.`);
    }
  }
  if (detection.warnings.length > 0) lines.push('  Warnings:', ...detection.warnings.map((w) => `    ${w}`));
  lines.push(detection.ambiguities.length > 0 ? '  Profile (open questions take their first reading until settled):' : '  Profile:', ...JSON.stringify(detection.profile, null, 2).split('\n').map((l) => `    ${l}`));
  return lines;
}
