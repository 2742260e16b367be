/**
 * Account events, derived from the table's changes (its DynamoDB stream), never sent by a handler:
 * an event exists if and only if the write that makes it true committed, and no request path pays
 * for it. Pure: the stream's reader (the pipe's enrichment function in AWS, the poller of `npm start`)
 * hands each change over as plain old and new images and publishes what comes back. The images hold
 * TOTP and change secrets, token hashes and public keys; an event is built field by field from the
 * documented ones only, never by copying an image.
 */
import { parsePhoneNumber } from './phone.js';

/** The `detail-type` of each event, which is also its name. */
export const ACCOUNT_EVENT_TYPES = [
  'UserCreated',
  'PhoneNumberChanged',
  'UserDeleted',
  'SessionsRevoked',
  'PasskeyAdded',
  'PasskeyRemoved',
] as const;

export type AccountEventType = (typeof ACCOUNT_EVENT_TYPES)[number];

/** Who asked for a change: the user through the API, or an operator through `npm run users`. */
export type Initiator = 'user' | 'operator';

/** What every event's `detail` holds. */
export interface AccountEventDetailBase {
  /**
   * Unique per event and the same on every delivery of it (the stream record's id and the event's
   * type): a consumer that has seen it must ignore it, since the stream and the pipe may deliver twice.
   */
  readonly event_id: string;
  /** The user (the JWT `sub`). */
  readonly sub: string;
  /** When the change committed: the stream record's time, RFC 3339 UTC, to the second. */
  readonly time: string;
  /** ISO 3166-1 alpha-2 of the user's number (after the change); `null` for a non-geographic number. */
  readonly country: string | null;
  /** The user's number, E.164, only with `EVENTS_INCLUDE_PHONE_NUMBER=true`. */
  readonly phone_number?: string;
}

export interface UserCreatedDetail extends AccountEventDetailBase {
  /** `login`: the first code the number proved; `operator`: `npm run users -- add`. */
  readonly via: 'login' | 'operator';
}

export interface PhoneNumberChangedDetail extends AccountEventDetailBase {
  /** The country of the number the user left (`country` is the new number's). */
  readonly previous_country: string | null;
  /** The number the user left, only with `EVENTS_INCLUDE_PHONE_NUMBER=true`. */
  readonly previous_phone_number?: string;
}

export interface UserDeletedDetail extends AccountEventDetailBase {
  /** Absent when the table does not say (an item deleted by hand). */
  readonly initiator?: Initiator;
}

export interface SessionsRevokedDetail extends AccountEventDetailBase {
  /** Absent when the table does not say. */
  readonly initiator?: Initiator;
  /** The user's new session epoch: every refresh family of an older epoch is ended. */
  readonly session_epoch: number;
}

/** A passkey as an event describes it: never its public key or counter. */
export interface PasskeySummary {
  /** The credential id, base64url. */
  readonly id: string;
  readonly name: string;
}

export interface AddedPasskey extends PasskeySummary {
  readonly created_at: string;
  /** `multi_device`: the passkey may be synced to the user's other devices. */
  readonly device_type: 'single_device' | 'multi_device';
  readonly backed_up: boolean;
}

export interface PasskeyAddedDetail extends AccountEventDetailBase {
  /** The passkeys one write added (one, from an enrolment). */
  readonly passkeys: readonly AddedPasskey[];
}

export interface PasskeyRemovedDetail extends AccountEventDetailBase {
  /** The passkeys one write removed (all of them for an operator's `--all`). */
  readonly passkeys: readonly PasskeySummary[];
  /** Absent when the table does not say. */
  readonly initiator?: Initiator;
}

export interface AccountEventDetails {
  readonly UserCreated: UserCreatedDetail;
  readonly PhoneNumberChanged: PhoneNumberChangedDetail;
  readonly UserDeleted: UserDeletedDetail;
  readonly SessionsRevoked: SessionsRevokedDetail;
  readonly PasskeyAdded: PasskeyAddedDetail;
  readonly PasskeyRemoved: PasskeyRemovedDetail;
}

/** An event as the bus is handed it: the reader adds `source` (`EVENTS_SOURCE`) and the bus its `id`. */
export type AccountEvent = {
  readonly [T in AccountEventType]: {
    readonly 'detail-type': T;
    /** The same instant as `detail.time`: the envelope's `time`. */
    readonly time: string;
    readonly detail: AccountEventDetails[T];
  };
}[AccountEventType];

/**
 * Why a phone record's holder changed, written by the write that changed it (attribute
 * {@link HOLDER_CHANGE_ATTRIBUTE}), so that one stream record tells a number change from a deletion
 * followed by a sign-up, and says who asked. Only the new image's marker describes its write: a
 * whole-record write that changes no holder drops it, and a login's activation removes it.
 */
export type HolderChange =
  | { readonly kind: 'created'; readonly by: 'operator' }
  | { readonly kind: 'moved_in'; readonly from: string }
  // No number: the record left behind must keep nothing that leads to the person.
  | { readonly kind: 'moved_out' }
  | { readonly kind: 'deleted'; readonly by: Initiator }
  | { readonly kind: 'sessions_revoked'; readonly by: Initiator };

/** The phone record's attribute holding its last {@link HolderChange}. */
export const HOLDER_CHANGE_ATTRIBUTE = 'holderChange';

/** The passkey item's attribute naming who made its last removal ({@link Initiator}). */
export const PASSKEYS_CHANGED_BY_ATTRIBUTE = 'passkeysChangedBy';

/** An item as a stream record shows it, unmarshalled to plain values. */
export type ItemImage = Readonly<Record<string, unknown>>;

/** One change of one item, as DynamoDB Streams reports it (with `NEW_AND_OLD_IMAGES`). */
export interface TableChange {
  /** The stream record's `eventID`: unique per change, the same on every delivery. */
  readonly id: string;
  readonly kind: 'INSERT' | 'MODIFY' | 'REMOVE';
  /** Epoch seconds: the record's `ApproximateCreationDateTime`. */
  readonly at: number;
  readonly keys: { readonly pk: string; readonly sk: string };
  readonly oldImage?: ItemImage;
  readonly newImage?: ItemImage;
}

export interface AccountEventOptions {
  /** `EVENTS_INCLUDE_PHONE_NUMBER`. */
  readonly includePhoneNumber: boolean;
}

// The key prefixes of the two items that make events (lambdas/adapters/table-keys.ts declares them
// for the stores; the core cannot import an adapter, and a test checks the two agree).
export const EVENT_ITEM_PREFIXES = { phone: 'PHONE#', passkeys: 'PASSKEYS#' } as const;

/**
 * The events one table change makes: none for most (a code sent, a wrong guess, a login of a known
 * user), at most two. A record's events come out in the order a consumer should apply them.
 */
export function accountEventsOf(change: TableChange, options: AccountEventOptions): AccountEvent[] {
  if (change.keys.pk.startsWith(EVENT_ITEM_PREFIXES.phone)) return phoneRecordEvents(change, options);
  if (change.keys.pk.startsWith(EVENT_ITEM_PREFIXES.passkeys)) return passkeyEvents(change, options);
  return [];
}

/** Every stream record is at most this many events, so a batch of stream records fits the bus's batch. */
export const MAX_EVENTS_PER_CHANGE = 2;

interface Holder {
  readonly userId: string;
  readonly sessionEpoch: number;
}

function holderOf(image: ItemImage | undefined): Holder | undefined {
  if (image?.status !== 'active' || typeof image.userId !== 'string') return undefined;
  return { userId: image.userId, sessionEpoch: typeof image.sessionEpoch === 'number' ? image.sessionEpoch : 0 };
}

const INITIATORS: readonly unknown[] = ['user', 'operator'] satisfies Initiator[];

function holderChangeOf(image: ItemImage | undefined): HolderChange | undefined {
  const marker = image?.[HOLDER_CHANGE_ATTRIBUTE] as Record<string, unknown> | undefined;
  if (typeof marker !== 'object' || marker === null) return undefined;
  switch (marker.kind) {
    case 'created':
      return marker.by === 'operator' ? { kind: 'created', by: 'operator' } : undefined;
    case 'moved_in':
      return typeof marker.from === 'string' ? { kind: 'moved_in', from: marker.from } : undefined;
    case 'moved_out':
      return { kind: 'moved_out' };
    case 'deleted':
    case 'sessions_revoked':
      return INITIATORS.includes(marker.by) ? { kind: marker.kind, by: marker.by as Initiator } : undefined;
    default:
      return undefined;
  }
}

function phoneRecordEvents(change: TableChange, options: AccountEventOptions): AccountEvent[] {
  const before = holderOf(change.oldImage);
  const after = holderOf(change.newImage);
  const marker = holderChangeOf(change.newImage);
  const phoneNumber = change.keys.pk.slice(EVENT_ITEM_PREFIXES.phone.length);
  const events: AccountEvent[] = [];
  if (before && before.userId !== after?.userId && marker?.kind !== 'moved_out') {
    // A user who moved away is still a user: the record moved onto says so (PhoneNumberChanged).
    const initiator = marker?.kind === 'deleted' ? { initiator: marker.by } : {};
    events.push(
      event('UserDeleted', { ...base(change, 'UserDeleted', before.userId, phoneNumber, options), ...initiator }),
    );
  }
  if (after && after.userId !== before?.userId) {
    if (marker?.kind === 'moved_in') {
      events.push(
        event('PhoneNumberChanged', {
          ...base(change, 'PhoneNumberChanged', after.userId, phoneNumber, options),
          previous_country: countryOf(marker.from),
          ...(options.includePhoneNumber ? { previous_phone_number: marker.from } : {}),
        }),
      );
    } else {
      const via = marker?.kind === 'created' ? 'operator' : 'login';
      events.push(event('UserCreated', { ...base(change, 'UserCreated', after.userId, phoneNumber, options), via }));
    }
  } else if (before && after && after.sessionEpoch > before.sessionEpoch) {
    const initiator = marker?.kind === 'sessions_revoked' ? { initiator: marker.by } : {};
    events.push(
      event('SessionsRevoked', {
        ...base(change, 'SessionsRevoked', after.userId, phoneNumber, options),
        ...initiator,
        session_epoch: after.sessionEpoch,
      }),
    );
  }
  return events;
}

interface PasskeyImage {
  readonly name: string;
  readonly createdAt?: number;
  readonly deviceType?: string;
  readonly backedUp?: boolean;
}

function passkeysOf(image: ItemImage | undefined): ReadonlyMap<string, PasskeyImage> {
  const map = image?.passkeys;
  if (typeof map !== 'object' || map === null) return new Map();
  return new Map(
    Object.entries(map as Record<string, Record<string, unknown>>).map(([id, entry]) => [
      id,
      {
        name: typeof entry?.name === 'string' ? entry.name : '',
        ...(typeof entry?.createdAt === 'number' ? { createdAt: entry.createdAt } : {}),
        ...(typeof entry?.deviceType === 'string' ? { deviceType: entry.deviceType } : {}),
        ...(typeof entry?.backedUp === 'boolean' ? { backedUp: entry.backedUp } : {}),
      },
    ]),
  );
}

function passkeyEvents(change: TableChange, options: AccountEventOptions): AccountEvent[] {
  // The item goes only with its account: UserDeleted says everything a consumer needs.
  if (change.kind === 'REMOVE' || !change.newImage) return [];
  const before = passkeysOf(change.oldImage);
  const after = passkeysOf(change.newImage);
  const userId = change.keys.pk.slice(EVENT_ITEM_PREFIXES.passkeys.length);
  const phoneNumber = typeof change.newImage.phoneNumber === 'string' ? change.newImage.phoneNumber : undefined;
  const events: AccountEvent[] = [];
  const removed = [...before].filter(([id]) => !after.has(id));
  if (removed.length > 0) {
    const by = change.newImage[PASSKEYS_CHANGED_BY_ATTRIBUTE];
    events.push(
      event('PasskeyRemoved', {
        ...base(change, 'PasskeyRemoved', userId, phoneNumber, options),
        passkeys: removed.map(([id, passkey]) => ({ id, name: passkey.name })),
        ...(INITIATORS.includes(by) ? { initiator: by as Initiator } : {}),
      }),
    );
  }
  const added = [...after].filter(([id]) => !before.has(id));
  if (added.length > 0) {
    events.push(
      event('PasskeyAdded', {
        ...base(change, 'PasskeyAdded', userId, phoneNumber, options),
        passkeys: added.map(
          ([id, passkey]): AddedPasskey => ({
            id,
            name: passkey.name,
            created_at: timeOf(passkey.createdAt ?? change.at),
            device_type: passkey.deviceType === 'multiDevice' ? 'multi_device' : 'single_device',
            backed_up: passkey.backedUp === true,
          }),
        ),
      }),
    );
  }
  return events;
}

function base(
  change: TableChange,
  type: AccountEventType,
  sub: string,
  phoneNumber: string | undefined,
  options: AccountEventOptions,
): AccountEventDetailBase {
  return {
    // The type completes the id: one record makes at most one event of each type.
    event_id: `${change.id}:${type}`,
    sub,
    time: timeOf(change.at),
    country: phoneNumber === undefined ? null : countryOf(phoneNumber),
    ...(options.includePhoneNumber && phoneNumber !== undefined ? { phone_number: phoneNumber } : {}),
  };
}

function event<T extends AccountEventType>(type: T, detail: AccountEventDetails[T]): AccountEvent {
  return { 'detail-type': type, time: detail.time, detail } as AccountEvent;
}

/** RFC 3339 UTC to the second, as EventBridge writes `time`. */
export function timeOf(epochSeconds: number): string {
  return new Date(Math.floor(epochSeconds) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function countryOf(phoneNumber: string): string | null {
  try {
    return parsePhoneNumber(phoneNumber).country ?? null;
  } catch {
    return null;
  }
}
