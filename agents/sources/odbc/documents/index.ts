export { DocumentStreams, withDocumentChecks } from './document-streams.ts';
export type { DocumentCheck } from './document-streams.ts';
export { ShiftCloseReader } from './shift-close-reader.ts';
export type { ShiftCloseReaderOptions } from './shift-close-reader.ts';
