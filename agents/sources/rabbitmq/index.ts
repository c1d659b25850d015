export { RabbitmqSource } from './rabbitmq-source.ts';
export { mapMessage, messageIdOf } from './message-record.ts';
