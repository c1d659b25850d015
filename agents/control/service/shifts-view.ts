/** A database source's shift close (a document, outbox/shift-closes.ts) as the Shifts screen shows it. */
import type { Shift } from '../../api/index.ts';
import type { StoredShiftClose } from '../../outbox/index.ts';

export function documentShift(stored: StoredShiftClose): Shift {
  return {
    source: stored.source,
    register: stored.register,
    // A POS without Z numbers: the shift's key, as its alerts name it.
    zLabel: stored.z === null ? `#${Object.values(JSON.parse(stored.key) as Record<string, string>).join('/')}` : `Z-${stored.z}`,
    businessDay: stored.businessDay,
    closedAt: stored.closedAt,
    currency: stored.currency ?? '',
    total: stored.total,
    overShort: stored.overShort,
    balanced: stored.balanced,
    file: null,
    document: stored.stream,
    upload: stored.upload,
  };
}
