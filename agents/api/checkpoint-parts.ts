/**
 * A checkpoint too large to write whole at every commit (a snapshot stream's manifest of every
 * row's key and hash) is kept in parts: the checkpoint itself names the parts it is made of, and
 * each commit stores only the parts that are new. A part never changes once stored; the parts a
 * committed checkpoint no longer names are deleted in the same transaction. So a million-row
 * manifest costs a commit what changed since the last one, not the whole manifest again.
 */

/** One stored piece of a checkpoint: an id unique within its stream, a text and bytes. */
export interface CheckpointPart {
  id: string;
  text: string;
  data: Uint8Array;
}

/** What a checkpoint's commit does to its stream's parts. */
export interface CheckpointParts {
  /** Parts the checkpoint names that are not stored yet: stored in the commit's transaction. */
  put: readonly CheckpointPart[];
  /** Every part the checkpoint names (those in `put` included): the stream's other parts are deleted. */
  keep: readonly string[];
}
