export { HoldfastClient, AuthApi, TablesApi, type HoldfastClientOptions, type StoredSession } from "./holdfast-client.ts";
export type { Listener } from "./reconnecting-connection.ts";
export {
  TableConnection,
  DEFAULT_RECONNECT,
  type ConnectionStatus,
  type ReconnectPolicy,
  type SeatView,
  type TableStateView,
  type HoldemView,
  type HoldemSeatView,
  type DiningCartView,
  type TableSnapshot,
} from "./table-connection.ts";
export { HoldfastError, ClientErrorCode, type HoldfastErrorCode } from "./errors.ts";
export type { TabNotice } from "./tab-sync.ts";
export { MemoryStorage, BrowserStorage, type KeyValueStorage } from "./storage.ts";
export { ErrorCode, CloseCode } from "@holdfast/shared";
export type {
  TableEvent,
  TableEventOf,
  KnownTableEvent,
  SeatEvent,
  HoldemEvent,
  HoldemTableEvent,
  HoldemAction,
  DiningEvent,
  DiningTableEvent,
  TableCommands,
  TableCommandType,
  TableReplies,
  GameCommandReply,
  CheckoutOrder,
  CheckoutReply,
  ResyncReply,
  SitReply,
  TableSummary,
  TableKind,
  GuestSignInResponse,
  SessionResponse,
  CreateHoldResponse,
  OrderView,
} from "@holdfast/shared";
export { SalesApi } from "./sales-api.ts";
export type { ClientContext, SignedInSession } from "./client-context.ts";
export {
  SaleConnection,
  DEFAULT_SALE_RECONNECT,
  type SaleConnectionStatus,
  type SaleReconnectPolicy,
  type SaleStateView,
} from "./sales-connection.ts";
export type { Ticket, TicketStatus, SaleView, SaleDto, SaleStatus } from "@holdfast/shared";
export { FeedConnection, type FeedEvent } from "./feed-connection.ts";
