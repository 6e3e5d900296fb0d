/** Message pattern under which broker transports hand messages to the consumer pipeline. */
export const CONSUME_EVENT_PATTERN = 'cqrs-broker.consume-event';
/** Message pattern that answers the topics of the registered integration events. */
export const EVENT_TOPICS_PATTERN = 'cqrs-broker.event-topics';
