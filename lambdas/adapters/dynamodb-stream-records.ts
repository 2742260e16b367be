import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { ItemImage, TableChange } from '../core/account-events.js';

type Image = Record<string, unknown>;

/**
 * A DynamoDB stream record in either of its two shapes: as Lambda and EventBridge Pipes deliver it
 * (JSON, the time in epoch seconds) or as the Streams API's `GetRecords` returns it (the time a Date).
 */
export interface StreamRecordInput {
  readonly eventID?: string;
  readonly eventName?: string;
  readonly dynamodb?: {
    readonly ApproximateCreationDateTime?: number | Date;
    readonly Keys?: Image;
    readonly NewImage?: Image;
    readonly OldImage?: Image;
  };
}

const KINDS: readonly string[] = ['INSERT', 'MODIFY', 'REMOVE'] satisfies TableChange['kind'][];

/**
 * The table change a stream record reports, its images unmarshalled to plain values. A record that
 * lacks what every stream record has is a fault of the reader's wiring (a stream without
 * `NEW_AND_OLD_IMAGES`, a filter that reshaped it), so it throws rather than publish a guess.
 */
export function tableChangeOf(record: StreamRecordInput): TableChange {
  const { eventID, eventName, dynamodb } = record;
  const at = dynamodb?.ApproximateCreationDateTime;
  if (!eventID || !eventName || !KINDS.includes(eventName) || !dynamodb?.Keys || at === undefined) {
    throw new Error(`not a DynamoDB stream record with keys and a time (event ${eventID ?? 'without an id'})`);
  }
  const keys = unmarshalled(dynamodb.Keys);
  if (typeof keys.pk !== 'string' || typeof keys.sk !== 'string') {
    throw new Error(`stream record ${eventID} has no string pk and sk`);
  }
  return {
    id: eventID,
    kind: eventName as TableChange['kind'],
    at: at instanceof Date ? at.getTime() / 1000 : at,
    keys: { pk: keys.pk, sk: keys.sk },
    ...(dynamodb.OldImage ? { oldImage: unmarshalled(dynamodb.OldImage) } : {}),
    ...(dynamodb.NewImage ? { newImage: unmarshalled(dynamodb.NewImage) } : {}),
  };
}

function unmarshalled(image: Image): ItemImage {
  return unmarshall(image as Record<string, AttributeValue>);
}
