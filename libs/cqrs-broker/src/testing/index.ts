export { RecordingMessageBroker } from './recording-message-broker.js';
export { recordPublishes, type PublishRecording } from './publish-recording.js';
export { expectPublished, type PublishedExpectation, type PublishedMessages } from './expect-published.js';
export { drainOutbox, type DrainOutboxOptions } from './drain-outbox.js';
export { deliver, deliverAll, type Deliverable, type DeliverOptions, type DeliverAllOptions, type DeliveryOrder, type DeliveryRun } from './deliver.js';
export { recordConsumed, type ConsumeRecording, type ConsumedRecord } from './consume-recording.js';
export { crashRelayAfterPublish, type RelayCrashOptions } from './relay-crash.js';
export { failPublishes, type FailPublishesOptions, type BrokerFault } from './broker-fault.js';
export { failDatabase, type FailDatabaseOptions, type DatabaseFailure, type DatabaseOutage } from './database-outage.js';
