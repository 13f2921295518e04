// Image events in the shape of ECR's EventBridge "ECR Image Action" detail, written to the outbox in
// the same transaction as the change, so an event exists exactly when the change does.
import type { Kysely } from 'kysely';
import type { Database } from '../meta/index.js';

export const IMAGE_ACTION = 'ECR Image Action';

export interface ImageActionDetail {
  'action-type': 'PUSH' | 'DELETE';
  result: 'SUCCESS' | 'FAILURE';
  'repository-name': string;
  'image-digest': string;
  'image-tag'?: string;
  'manifest-media-type'?: string;
  'artifact-media-type'?: string;
}

export async function recordImageAction(trx: Kysely<Database>, at: number, detail: ImageActionDetail): Promise<void> {
  await trx.insertInto('events_outbox').values({ at, detail_type: IMAGE_ACTION, detail: JSON.stringify(detail) }).execute();
}
