import type { CliIo } from '../cli-io.ts';
import { doctorCommand } from './doctor.ts';

/** `tya-agent doctor`'s report as text, for support bundles; a doctor that stops says why in it. */
export async function doctorReport(configFile: string): Promise<string> {
  const lines: string[] = [];
  const capture: CliIo = { out: (line) => lines.push(line), err: (line) => lines.push(line), interactive: false };
  await doctorCommand({ config: configFile, timeoutSecs: 5 }, capture).catch((error: unknown) => {
    lines.push(`doctor stopped: ${error instanceof Error ? error.message : String(error)}`);
  });
  return `${lines.join('\n')}\n`;
}
