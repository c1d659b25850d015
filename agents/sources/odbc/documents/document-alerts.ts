/**
 * The words a bookkeeper sees when a closed shift needs them: one alert per shift that does not
 * balance and per gap in a register's Z numbers, each naming the register and the Z number.
 */
import type { OdbcDocumentConfig } from '../../../api/index.ts';
import type { ZGap } from '../../../transforms/shift-close/index.ts';
import { describeZGap } from '../../../transforms/shift-close/index.ts';
import type { ClosedShift } from './closed-shifts.ts';

export interface DocumentAlert {
  code: string;
  message: string;
}

/** "Shift Z 412 on register till-1", or "Shift 17" when the table has no Z number or register. */
export function shiftLabel(config: OdbcDocumentConfig, shift: Pick<ClosedShift, 'register' | 'z' | 'key'>): string {
  const z = shift.z === null ? `Shift ${shift.key.join('/')}` : `Shift Z ${shift.z}`;
  return config.shift.registerColumn === undefined ? z : `${z} on register ${shift.register}`;
}

export function unbalancedAlert(source: string, config: OdbcDocumentConfig, shift: ClosedShift, failures: string[]): DocumentAlert {
  return {
    code: `shift_unbalanced:${source}:${config.name}:${shift.register}:${shift.z ?? shift.key.join('/')}`,
    message:
      `${shiftLabel(config, shift)} (source "${source}") does not balance: ${failures.join(' ')} ` +
      'It was sent marked as not balanced; check the till and its records.',
  };
}

export function gapAlert(source: string, config: OdbcDocumentConfig, shift: ClosedShift, gap: ZGap): DocumentAlert {
  const where = config.shift.registerColumn === undefined ? `Source "${source}"` : `Register ${shift.register} (source "${source}")`;
  return {
    code: `z_gap:${source}:${config.name}:${shift.register}:${gap.firstMissing}-${gap.lastMissing}`,
    message:
      `${where}: ${describeZGap(gap)}. That shift's report may have been deleted or the till reset; ` +
      'its sales may be missing from the books.',
  };
}
