import { Store } from "./store.ts";

/**
 * What the header's status pill says. A view with a live connection (a table, a sale)
 * reports the SDK's status; otherwise the lobby reports whether the server answers.
 */
export type ShownStatus = "connecting" | "connected" | "reconnecting" | "restored" | "lost" | "replaced" | "closed";

export const connectionStatus = new Store<ShownStatus>("connecting");
