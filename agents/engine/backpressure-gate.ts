import type { Outbox, OutboxFullError } from '../outbox/index.ts';

/**
 * Capture resumes only when delivery has freed a tenth of what was queued when the gate closed, so it
 * does not flap page by page (a page that did not fit may be large compared with the free space).
 */
const RESUME_AT_FRACTION = 0.9;

/**
 * One gate for all sources: once the outbox is full, every capture loop pauses (no cursor moves,
 * nothing is read and dropped) until delivery has made real room again. Opening and closing are
 * reported once each, for the alert and the status.
 */
export class BackpressureGate {
  private readonly outbox: Outbox;
  private readonly onChange: (full: boolean, error?: OutboxFullError) => void;
  private closed = false;
  private bytesWhenClosed = 0;

  constructor(outbox: Outbox, onChange: (full: boolean, error?: OutboxFullError) => void) {
    this.outbox = outbox;
    this.onChange = onChange;
  }

  /** True when capture may go on; re-opens the gate once usage fell below the resume mark. */
  isOpen(): boolean {
    if (!this.closed) return true;
    const { bytes } = this.outbox.stats();
    if (bytes > 0 && bytes > this.bytesWhenClosed * RESUME_AT_FRACTION) return false;
    this.closed = false;
    this.onChange(false);
    return true;
  }

  close(error?: OutboxFullError): void {
    if (this.closed) return;
    this.closed = true;
    this.bytesWhenClosed = this.outbox.stats().bytes;
    this.onChange(true, error);
  }
}
