/** What the admin API shows of a message_queue consumer (RabbitMQ or NATS). */
export interface MessageQueueStatus {
  type: 'rabbitmq' | 'nats';
  /** The URL with its secrets masked. */
  broker: string;
  /** The exchange (RabbitMQ) or subject (NATS). */
  exchange: string;
  /** The shared queue or queue group; null: this process's own. */
  queue: string | null;
  connected: boolean;
  reconnects: number;
  delivered: number;
  dropped: number;
}

/** A running message_queue consumer. */
export interface MessageQueueIngress {
  status(): MessageQueueStatus;
  close(): Promise<void>;
}

export interface MessageQueueLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}
