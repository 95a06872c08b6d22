import { Client as ColyseusClient } from "@colyseus/sdk";
import type { GuestSignInResponse, KnownTableEvent, SessionResponse, TableEvent, TableSummary } from "@holdfast/shared";
import { ErrorCode } from "@holdfast/shared";
import { HoldfastError } from "./errors.ts";
import { requestJson } from "./http.ts";
import { SalesApi } from "./sales-api.ts";
import { FeedConnection } from "./feed-connection.ts";
import { defaultStorage, storageKeys, type KeyValueStorage } from "./storage.ts";
import { DEFAULT_RECONNECT, TableConnection, type ReconnectPolicy } from "./table-connection.ts";

export interface HoldfastClientOptions {
  /** The server's base URL, e.g. `http://localhost:2567`. */
  url: string;
  /** Where session and seat tokens survive refreshes (default: localStorage or memory). */
  storage?: KeyValueStorage;
  /** Heartbeat interval; match the server's HEARTBEAT_SECONDS (default 30). */
  heartbeatSeconds?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /**
   * Tell other tabs of this browser about seats (BroadcastChannel), so that a tab whose
   * seat another tab took over stops instead of taking it back. Default: on in
   * browsers, off elsewhere.
   */
  tabSync?: boolean;
}

/** What survives a refresh of the signed-in session (in `storage`). */
export interface StoredSession {
  token: string;
  userId: string;
  name: string;
  sessionId: string;
}

/** Sign-in and the session, kept in storage so a refreshed page is still signed in. */
export class AuthApi {
  session: StoredSession | null = null;

  constructor(private readonly client: HoldfastClient) {}

  get token(): string | undefined {
    return this.session?.token;
  }

  /** Restores the stored session, if any; returns whether there was one. */
  async restore(): Promise<boolean> {
    const raw = await this.client.storage.get(storageKeys.session);
    if (!raw) return false;
    try {
      this.use(JSON.parse(raw) as StoredSession);
      return true;
    } catch {
      return false;
    }
  }

  async guest(name?: string): Promise<GuestSignInResponse> {
    const res = await requestJson<GuestSignInResponse>(this.client.url, "POST", "/api/auth/guest", {
      body: name === undefined ? {} : { name },
    });
    const session = { token: res.token, userId: res.userId, name: res.name, sessionId: res.sessionId };
    await this.client.storage.set(storageKeys.session, JSON.stringify(session));
    this.use(session);
    return res;
  }

  /** Uses a token obtained elsewhere (an operator token, say). */
  async useToken(token: string): Promise<SessionResponse> {
    const me = await requestJson<SessionResponse>(this.client.url, "GET", "/api/auth/session", { token });
    const session = { token, userId: me.userId, name: me.name, sessionId: me.sessionId };
    await this.client.storage.set(storageKeys.session, JSON.stringify(session));
    this.use(session);
    return me;
  }

  me(): Promise<SessionResponse> {
    return requestJson<SessionResponse>(this.client.url, "GET", "/api/auth/session", { token: this.requireToken() });
  }

  async logout(): Promise<void> {
    await requestJson<void>(this.client.url, "POST", "/api/auth/logout", { token: this.requireToken() });
    await this.client.storage.remove(storageKeys.session);
    this.session = null;
  }

  requireToken(): string {
    if (!this.session) throw new HoldfastError(ErrorCode.UNAUTHORIZED, "sign in first (auth.guest())");
    return this.session.token;
  }

  private use(session: StoredSession): void {
    this.session = session;
    this.client.colyseus.auth.token = session.token;
  }
}

export class TablesApi {
  constructor(private readonly client: HoldfastClient) {}

  list(): Promise<TableSummary[]> {
    return requestJson(this.client.url, "GET", "/api/tables");
  }

  get(tableId: string): Promise<TableSummary> {
    return requestJson(this.client.url, "GET", `/api/tables/${encodeURIComponent(tableId)}`);
  }

  /**
   * The table's events after seq `after` (default 0), at most `limit` (server default 100,
   * at most 1000), in seq order, as the room would show them to you: your own hole cards
   * only, no one else's. Signed in. For a history of what happened before you joined.
   */
  async events<E extends TableEvent = KnownTableEvent>(tableId: string, options: { after?: number; limit?: number } = {}): Promise<E[]> {
    const query = new URLSearchParams();
    if (options.after !== undefined) query.set("after", String(options.after));
    if (options.limit !== undefined) query.set("limit", String(options.limit));
    const qs = query.size > 0 ? `?${query}` : "";
    const res = await requestJson<{ events: E[] }>(this.client.url, "GET", `/api/tables/${encodeURIComponent(tableId)}/events${qs}`, {
      token: this.client.auth.requireToken(),
    });
    return res.events;
  }

  /**
   * Joins a table: reclaims the stored seat when there is one (after a refresh, in a
   * new tab), otherwise watches as a spectator until you `sit`.
   */
  async join<E extends TableEvent = KnownTableEvent>(tableId: string, options: { spectate?: boolean } = {}): Promise<TableConnection<E>> {
    const session = this.client.auth.session;
    if (!session) throw new HoldfastError(ErrorCode.UNAUTHORIZED, "sign in first (auth.guest())");
    const connection = new TableConnection<E>(this.client.colyseus, tableId, session.userId, this.client.storage, {
      spectate: options.spectate ?? false,
      heartbeatMs: this.client.heartbeatSeconds * 1000,
      reconnect: this.client.reconnectPolicy,
      tabSync: this.client.tabSync,
    });
    try {
      return await connection.start();
    } catch (err) {
      throw HoldfastError.from(err);
    }
  }
}

/** The Holdfast SDK entry point, for browsers and Node 22+. */
export class HoldfastClient {
  readonly url: string;
  readonly storage: KeyValueStorage;
  readonly colyseus: ColyseusClient;
  readonly heartbeatSeconds: number;
  readonly reconnectPolicy: ReconnectPolicy;
  readonly tabSync: boolean | undefined;
  readonly auth: AuthApi;
  readonly tables: TablesApi;
  /** The live feed: `await client.feed.subscribe(["order:ID"])`. */
  readonly feed = {
    subscribe: (topics: string[]): Promise<FeedConnection> => {
      this.auth.requireToken();
      return FeedConnection.join(this.colyseus, topics);
    },
  };
  readonly sales: SalesApi;

  constructor(options: HoldfastClientOptions) {
    this.url = options.url.replace(/\/$/, "");
    this.storage = options.storage ?? defaultStorage();
    this.colyseus = new ColyseusClient(this.url);
    this.heartbeatSeconds = options.heartbeatSeconds ?? 30;
    this.reconnectPolicy = { ...DEFAULT_RECONNECT, ...(options.reconnect ?? {}) };
    this.tabSync = options.tabSync;
    this.auth = new AuthApi(this);
    this.tables = new TablesApi(this);
    this.sales = new SalesApi(this);
  }
}
