export {
  HubClient,
  type ChannelEvent,
  type ConnectedInfo,
  type EventHandler,
  type HubClientEvents,
  type HubClientOptions,
  type HubState,
  type StateDetail,
} from './hub-client.js';
export { HubError, type ClientErrorCode } from './hub-error.js';
export type { SocketConstructor, SocketLike } from './socket-types.js';
