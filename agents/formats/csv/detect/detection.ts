import type { CsvProfile } from '../profile.ts';

/** What the person running `parse` may tell the detector, to settle what the file leaves open. */
export interface CsvDetectionHints {
  /** Profile date format, e.g. `DD/MM/YYYY`. */
  dateFormat?: string;
  decimalSeparator?: '.' | ',';
  /** ISO 4217 code, when the file names none. */
  currency?: string;
  /** WHATWG label, e.g. `windows-1250`. */
  encoding?: string;
  delimiter?: ';' | ',' | '\t' | '|';
}

/** One decision and why, for the person reading the proposal. */
export interface DetectionEvidence {
  /** A profile key (`delimiter`, `dateFormat`, `columns.amount`…) or `encoding`, `header`, `sign`. */
  field: string;
  value: string;
  reason: string;
  /** `certain`: only one reading fits; `likely`: the best of several; `weak`: a default, not evidence. */
  certainty: 'certain' | 'likely' | 'weak';
  line?: number;
}

/** A question the file does not answer: the readings that remain and the options that settle it. */
export interface DetectionAmbiguity {
  field: string;
  readings: string[];
  reason: string;
  settle: string[];
}

export interface CsvDetection {
  /** The proposed profile (with the first reading where ambiguities remain). */
  profile: CsvProfile;
  /** 0–1: 1 when every decision had one reading only. */
  confidence: number;
  evidence: DetectionEvidence[];
  /** Empty when the file may be parsed with the profile. */
  ambiguities: DetectionAmbiguity[];
  warnings: string[];
}
