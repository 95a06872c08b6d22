export { HoldfastClient, AuthApi, TablesApi, type HoldfastClientOptions } from "./holdfast-client.ts";
export {
  TableConnection,
  DEFAULT_RECONNECT,
  type ConnectionStatus,
  type ReconnectPolicy,
  type SeatView,
  type TableStateView,
} from "./table-connection.ts";
export { HoldfastError } from "./errors.ts";
export { MemoryStorage, BrowserStorage, type KeyValueStorage } from "./storage.ts";
export { ErrorCode, CloseCode } from "@holdfast/shared";
export type { TableEvent, SitReply, TableSummary } from "@holdfast/shared";
