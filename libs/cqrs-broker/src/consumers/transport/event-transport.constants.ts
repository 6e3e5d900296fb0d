/** Message pattern under which broker transports hand messages to the consumer pipeline. */
export const CONSUME_EVENT_PATTERN = 'cqrs-broker.consume-event';
/** Message pattern that answers what a transport needs from the app when it starts ({@link ConsumerSetup}). */
export const CONSUMER_SETUP_PATTERN = 'cqrs-broker.consumer-setup';
