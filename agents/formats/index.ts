/** Bank and POS statement files → one normalized model, checked before upload (issue 4). */
export type { CheckResult, CheckStatus, ControlTotal, CreditDebit, Entry, FormatName, Money, ParsedFile, Statement } from './model.ts';
export { FormatError, type FormatErrorLocation, type ParseContext } from './format-error.ts';
export {
  absDecimal,
  addDecimals,
  compareDecimals,
  decimalFromMinorUnits,
  formatDecimalForHumans,
  isCanonicalDecimal,
  negateDecimal,
  parseDecimal,
  subtractDecimals,
  sumDecimals,
  type DecimalStyle,
} from './decimal.ts';
export { decodeText, type DecodedText, type DecodeOptions } from './text-decode.ts';
export { EntryKeyer } from './entry-key.ts';
export { checkBalance, checkBalanceTotals, checkControlTotal, describeStatement, runChecks, type StatementHeader } from './checks.ts';
export { EntryTotals } from './entry-totals.ts';
export type { EntrySink } from './entry-sink.ts';
export { positionOf, sequenceGap, sequenceWarnings, type StatementPosition } from './sequence.ts';
export { detectFormat, DETECT_BYTES, type DetectedKind, type Detection } from './detect.ts';
export { parseFile, type ParseReport } from './parse-file.ts';
export { parseFileStreaming, type StatementSummary, type StreamOptions, type StreamReport } from './parse-stream.ts';
export { parseStatementBytes, type ParseOptions } from './parse-bytes.ts';
export { CamtStreamParser, parseCamt } from './camt/parse-camt.ts';
export { parseMt940, type Mt940Options } from './mt940/parse-mt940.ts';
export { parseOfx } from './ofx/parse-ofx.ts';
export { parseBai2 } from './bai2/parse-bai2.ts';
export { CsvStreamParser, detectCsvProfile, parseCsv, type CsvOptions } from './csv/parse-csv.ts';
export { CsvProfileSchema, type ColumnRef, type CsvProfile, type CsvProfileInput } from './csv/profile.ts';
export { BUILTIN_CSV_PROFILES, builtinCsvProfile } from './csv/builtin-profiles.ts';
export { detectCsvLayout } from './csv/detect/detect-profile.ts';
export type { CsvDetection, CsvDetectionHints, DetectionAmbiguity, DetectionEvidence } from './csv/detect/detection.ts';
export { parseXlsx, type XlsxOptions } from './xlsx/parse-xlsx.ts';
export { readZip, type ZipEntry } from './zip/read-zip.ts';
