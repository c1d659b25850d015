/**
 * The cloud's `collect-diagnostics`: the support bundle (secrets scrubbed, no record data) uploaded
 * through `PUT /v1/files`, the same zip `tya-agent support-bundle` writes locally.
 */
import { createHash } from 'node:crypto';
import type { CloudClient } from '../../delivery/index.ts';
import { AgentError } from '../../pipeline/errors.ts';
import type { Logger } from '../../telemetry/logger.ts';
import { buildSupportBundle, SUPPORT_BUNDLE_SOURCE, type SupportBundleInput } from './support-bundle.ts';

export async function uploadSupportBundle(
  client: CloudClient | null,
  entity: string,
  input: SupportBundleInput,
  logger: Logger,
): Promise<Record<string, unknown>> {
  if (client === null) throw new AgentError('not_enrolled', 'This agent is not enrolled, so it cannot upload anything.');
  const bundle = await buildSupportBundle(input);
  const sha256 = createHash('sha256').update(bundle.zip).digest('hex');
  await client.putFile(sha256, bundle.zip, { fileName: bundle.fileName, source: SUPPORT_BUNDLE_SOURCE, contentType: 'application/zip', entity });
  logger.info({ sha256, bytes: bundle.zip.length }, `Uploaded the support bundle ${bundle.fileName} for the cloud's collect-diagnostics.`);
  return { sha256, name: bundle.fileName, bytes: bundle.zip.length, files: bundle.files };
}
