/**
 * uWS's own cap on one message, for every WebSocket route: it closes with 1009 beyond it. Routes
 * set their own, lower limits (enforced by their sessions); this one bounds what uWS buffers
 * while a fragmented message arrives. Kept apart from the uWS behaviour so config checks can
 * read it without loading the native module.
 */
export const MAX_MESSAGE_BYTES = 16 * 1024 * 1024;
