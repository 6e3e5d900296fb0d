/**
 * One row of the inbox: `consumerName` handled the event `eventId`. The pair
 * is the primary key, so a second insert of it fails.
 * @publicApi
 */
export interface InboxRecord {
  consumerName: string;
  eventId: string;
  eventName: string | null;
  receivedAt: Date;
}
