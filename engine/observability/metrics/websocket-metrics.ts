import { CounterFamily, GaugeFamily, HistogramFamily, type CellFamily } from './cell-family.js';
import { METRICS } from './metric-definitions.js';

/**
 * What the WebSocket code reports, seed 001's metrics. It gets one from the compile
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

/** The WebSocket families: seed 001's metrics, named under the gatewayd_ prefix. */
export class WebSocketFamilies implements WebSocketMetrics {
  readonly connections = new GaugeFamily(METRICS.websocketConnections);
  readonly sent = new CounterFamily(METRICS.websocketMessagesSent);
  readonly received = new CounterFamily(METRICS.websocketMessagesReceived);
  readonly subscribers = new GaugeFamily(METRICS.websocketChannelSubscribers);
  readonly duration = new HistogramFamily(METRICS.websocketConnectionDuration);
  readonly size = new HistogramFamily(METRICS.websocketMessageSize);

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
