/** WebSocket close codes Holdfast uses on top of Colyseus's own. */
export const CloseCode = {
  /** The session was revoked (logout) or is no longer valid. Final: do not reconnect. */
  SESSION_REVOKED: 4401,
  /** A newer connection of the same user took this seat over (multi-tab). Final. */
  REPLACED: 4409,
  /** The node is draining for a deploy; rejoin through the matchmaker. */
  NODE_DRAINING: 4503,
  /**
   * The socket kept sending after its message budget said RATE_LIMITED (see
   * docs/operations.md, Limits). Rejoin after a pause, and send less.
   */
  MESSAGE_FLOOD: 4429,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];
