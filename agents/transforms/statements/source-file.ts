/** The original file a record came from: uploaded once via `PUT /v1/files/{sha256}`. */
export interface SourceFileRef {
  sha256: string;
  name: string;
}
