import { CounterFamily, GaugeFamily, HistogramFamily, type CellFamily } from './cell-family.js';

/**
 * What the WebSocket code reports, with seed 001's metric names. It gets one from the compile
 * context (`telemetry.metrics?.websocket`, null when metrics are off) and takes a recorder per
 * route and per channel at compile time, so a message costs field updates only. Labels must come
 * from the config: a route's name, a channel as configured (a pattern such as `user.*`, never a
 * concrete per-user channel), so the series stay bounded by the config.
 */
export interface WebSocketMetrics {
  forRoute(route: string): WebSocketRouteMetrics;
  forChannel(channel: string): WebSocketChannelMetrics;
}

export interface WebSocketRouteMetrics {
  connectionOpened(): void;
  /** `seconds`: how long the connection was open. */
  connectionClosed(seconds: number): void;
  /** `copies`: one message delivered to that many connections (a channel's fan-out). */
  messageSent(bytes: number, copies?: number): void;
  messageReceived(bytes: number): void;
}

export interface WebSocketChannelMetrics {
  subscribed(): void;
  unsubscribed(): void;
}

const DURATION_BUCKETS = [1, 5, 15, 60, 300, 900, 1800, 3600, 7200, 14400, 43200, 86400];
const SIZE_BUCKETS = [64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304];

/** The seed 001 families, without the gatewayd_ prefix, as the seed names them. */
export class WebSocketFamilies implements WebSocketMetrics {
  readonly connections: GaugeFamily;
  readonly sent: CounterFamily;
  readonly received: CounterFamily;
  readonly subscribers: GaugeFamily;
  readonly duration: HistogramFamily;
  readonly size: HistogramFamily;

  constructor() {
    this.connections = new GaugeFamily({
      name: 'websocket_connections_total',
      help: 'WebSocket connections open now, by route (a gauge, whatever its name says).',
      labelNames: ['route'],
    });
    this.sent = new CounterFamily({
      name: 'websocket_messages_sent_total',
      help: 'WebSocket messages sent to clients, by route.',
      labelNames: ['route'],
    });
    this.received = new CounterFamily({
      name: 'websocket_messages_received_total',
      help: 'WebSocket messages received from clients, by route.',
      labelNames: ['route'],
    });
    this.subscribers = new GaugeFamily({
      name: 'websocket_channel_subscribers',
      help: 'Subscribers per channel, by the channel as configured.',
      labelNames: ['channel'],
    });
    this.duration = new HistogramFamily({
      name: 'websocket_connection_duration_seconds',
      help: 'How long WebSocket connections stayed open, by route.',
      labelNames: ['route'],
      buckets: DURATION_BUCKETS,
    });
    this.size = new HistogramFamily({
      name: 'websocket_message_size_bytes',
      help: 'WebSocket message sizes, by route and direction (sent, received).',
      labelNames: ['route', 'direction'],
      buckets: SIZE_BUCKETS,
    });
  }

  /** Every family, for the scrape. */
  get all(): Array<CellFamily<unknown>> {
    return [this.connections, this.sent, this.received, this.subscribers, this.duration, this.size];
  }

  /** The families labelled by route, whose series go when the route leaves the config. */
  get byRoute(): Array<CellFamily<unknown>> {
    return [this.connections, this.sent, this.received, this.duration, this.size];
  }

  forRoute(route: string): WebSocketRouteMetrics {
    const open = this.connections.cell(route);
    const duration = this.duration.cell(route);
    const sent = this.sent.cell(route);
    const received = this.received.cell(route);
    const sentSize = this.size.cell(route, 'sent');
    const receivedSize = this.size.cell(route, 'received');
    return {
      connectionOpened() {
        open.value++;
      },
      connectionClosed(seconds) {
        open.value--;
        duration.observe(seconds);
      },
      messageSent(bytes, copies = 1) {
        sent.value += copies;
        sentSize.observe(bytes, copies);
      },
      messageReceived(bytes) {
        received.value++;
        receivedSize.observe(bytes);
      },
    };
  }

  forChannel(channel: string): WebSocketChannelMetrics {
    const subscribers = this.subscribers.cell(channel);
    return {
      subscribed() {
        subscribers.value++;
      },
      unsubscribed() {
        subscribers.value--;
      },
    };
  }
}
