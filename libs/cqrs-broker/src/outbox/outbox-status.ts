/**
 * Life of an outbox row: `pending` until the broker accepts it, then
 * `published` (deleted after the retention); `dead` once `maxAttempts`
 * publishes failed (kept until replayed or purged).
 * @publicApi
 */
export const OutboxStatus = {
  pending: 'pending',
  published: 'published',
  dead: 'dead',
} as const;

/** @publicApi */
export type OutboxStatus = (typeof OutboxStatus)[keyof typeof OutboxStatus];
