import { randomBytes } from "node:crypto";
import { z } from "zod";
import { productionSecretProblem } from "./identity/secret-policy.ts";
import type { RedisTarget } from "./redis/redis-client.ts";

/**
 * Every environment variable Holdfast reads, in one place, validated once at start.
 * A bad value stops the process with one line naming the variable (see `loadConfig`).
 * Durations are whole seconds so tests can make them small.
 */

const seconds = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const onOff = (fallback: "on" | "off") =>
  z
    .enum(["on", "off", "true", "false", "1", "0"])
    .default(fallback)
    .transform((v) => v === "on" || v === "true" || v === "1");

/** Per-route-class limits: `points` requests per `durationSeconds`, per client IP. */
export const RateLimitRule = z.object({
  points: z.number().int().positive(),
  durationSeconds: z.number().int().positive(),
});
export type RateLimitRule = z.infer<typeof RateLimitRule>;

export const RATE_LIMIT_CLASSES = ["signin", "holds", "webhook", "default", "matchmake", "matchmakeUser"] as const;
export type RateLimitClass = (typeof RATE_LIMIT_CLASSES)[number];

export const DEFAULT_RATE_LIMITS: Record<RateLimitClass, RateLimitRule> = {
  signin: { points: 5, durationSeconds: 60 },
  holds: { points: 30, durationSeconds: 60 },
  webhook: { points: 600, durationSeconds: 60 },
  default: { points: 100, durationSeconds: 60 },
  /** `POST /matchmake/...` per client IP (a venue's tablets may share one address). */
  matchmake: { points: 600, durationSeconds: 60 },
  /** `POST /matchmake/...` per signed-in user (joins, rejoins after a drop, new tabs). */
  matchmakeUser: { points: 60, durationSeconds: 60 },
};

/**
 * A setting that is `on` (the defaults), `off` (null: the feature is disabled) or a JSON
 * object overriding some of the defaults, checked by `overrides`; `describe` turns the
 * first failure into the one line the process stops with.
 */
function onOffOrOverrides<T extends object>(
  defaults: T,
  overrides: z.ZodType<Partial<T>>,
  describe: (issue: z.core.$ZodIssue) => string,
) {
  return z
    .string()
    .default("on")
    .transform((raw, ctx): T | null => {
      const value = raw.trim();
      if (value === "on" || value === "") return defaults;
      if (value === "off") return null;
      let parsed: unknown;
      try {
        parsed = JSON.parse(value);
      } catch {
        ctx.addIssue({ code: "custom", message: 'expected "on", "off" or a JSON object' });
        return z.NEVER;
      }
      const checked = overrides.safeParse(parsed);
      if (!checked.success) {
        ctx.addIssue({ code: "custom", message: describe(checked.error.issues[0]) });
        return z.NEVER;
      }
      return { ...defaults, ...checked.data };
    });
}

const RateLimitsSetting = onOffOrOverrides<Record<RateLimitClass, RateLimitRule>>(
  DEFAULT_RATE_LIMITS,
  // partialRecord: a zod 4 record over an enum demands every key; overrides name only some.
  z.partialRecord(z.enum(RATE_LIMIT_CLASSES), RateLimitRule) as z.ZodType<Partial<Record<RateLimitClass, RateLimitRule>>>,
  () => `expected {${RATE_LIMIT_CLASSES.map((c) => `"${c}"`).join("|")}: {points, durationSeconds}}`,
);

/** A token bucket: `perSecond` sustained, `burst` at once. */
export const MessageBudget = z.object({
  perSecond: z.number().positive(),
  burst: z.number().int().positive(),
});
export type MessageBudget = z.infer<typeof MessageBudget>;

/**
 * Limits on what one user (and one socket) may do in the rooms of a node. See
 * docs/operations.md "Limits" for why each default is what it is.
 */
export const RoomLimits = z
  .object({
    /** `hb`, `resync`, `ping`: per user, shared by all the user's sockets on the node. */
    light: MessageBudget,
    /** Every other message (commands that write events: `sit`, `act`, `cart.set`, `hold`...). */
    command: MessageBudget,
    /** Refused messages a socket may send (refilled one per second) before it is closed with 4429. */
    floodStrikes: z.number().int().positive(),
    /** Hard cap per socket (Colyseus `maxMessagesPerSecond`): past it the socket is dropped unread. */
    socketMessagesPerSecond: z.number().int().positive(),
    /** Sockets one user may hold in one room (tabs, devices). */
    socketsPerUser: z.number().int().positive(),
    /** Command answers remembered per user per room for `cid` repeats (oldest forgotten first). */
    repliesPerUser: z.number().int().positive(),
    /** Clients' commands waiting in one table room's queue; past it they are refused RATE_LIMITED with a retry hint. */
    commandQueue: z.number().int().positive(),
    /** A client's command that waited this long in a table room's queue is refused UNAVAILABLE (not run). */
    commandWaitMs: z.number().int().positive(),
  })
  .strict();
export type RoomLimits = z.infer<typeof RoomLimits>;

export const DEFAULT_ROOM_LIMITS: RoomLimits = {
  light: { perSecond: 20, burst: 40 },
  command: { perSecond: 5, burst: 20 },
  floodStrikes: 40,
  socketMessagesPerSecond: 200,
  socketsPerUser: 3,
  repliesPerUser: 64,
  commandQueue: 50,
  commandWaitMs: 5000,
};

const RoomLimitsSetting = onOffOrOverrides<RoomLimits>(
  DEFAULT_ROOM_LIMITS,
  RoomLimits.partial(),
  (issue) => `${issue.path.join(".") || "value"}: ${issue.message}`,
);

/** A retention age in `unit`s (0 or more), or `off` (keep everything forever): null. */
const retentionOrOff = (fallback: string, unit: string) =>
  z
    .string()
    .default(fallback)
    .transform((raw, ctx): number | null => {
      if (raw.trim() === "off") return null;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) {
        ctx.addIssue({ code: "custom", message: `expected a number of ${unit} (0 or more) or "off"` });
        return z.NEVER;
      }
      return n;
    });

/**
 * `CORS_ORIGINS`: comma-separated origins (`https://shop.example,https://admin.example`)
 * whose pages may call this server from the browser. Unset: same origin only.
 */
const CorsOrigins = z
  .string()
  .default("")
  .transform((raw, ctx): string[] => {
    const origins = raw
      .split(",")
      .map((o) => o.trim())
      .filter(Boolean);
    for (const origin of origins) {
      let parsed: URL | undefined;
      try {
        parsed = new URL(origin);
      } catch {
        parsed = undefined;
      }
      if (!parsed || !["http:", "https:"].includes(parsed.protocol) || parsed.origin !== origin) {
        ctx.addIssue({ code: "custom", message: `"${origin}" is not an origin (scheme://host[:port], no path, no "*")` });
        return z.NEVER;
      }
    }
    return origins;
  });

const EnvSchema = z.object({
  NODE_ENV: z.enum(["development", "production", "test"]).default("development"),
  PORT: z.coerce.number().int().min(0).max(65535).default(2567),
  PUBLIC_ADDRESS: z.string().trim().min(1).optional(),
  REDIS_URL: z
    .string()
    .trim()
    .regex(/^(rediss?|redis\+cluster|rediss\+cluster):\/\//, "expected a redis://, rediss:// or redis+cluster:// URL")
    .optional(),
  /** Seed nodes of a Redis Cluster (`host:port,host:port`); instead of REDIS_URL. */
  REDIS_CLUSTER_NODES: z.string().trim().optional(),
  /** Optional prefix for every Redis key (tests and shared Redis servers). */
  REDIS_PREFIX: z.string().default("hf:"),
  DATABASE_URL: z
    .string()
    .trim()
    .regex(/^postgres(ql)?:\/\//, "expected a postgres:// URL")
    .optional(),
  DATA_DIR: z.string().min(1).default("./.data"),
  /** Embedded mode: PGlite's shared_buffers (its memory never shrinks; Postgres's default is 128MB). */
  EMBEDDED_PG_SHARED_BUFFERS: z
    .string()
    .regex(/^[1-9][0-9]*(kB|MB|GB)$/, 'expected a size like "16MB"')
    .default("16MB"),
  JWT_SECRET: z.string().min(16, "must be at least 16 characters").optional(),
  PAYMENT_WEBHOOK_SECRET: z.string().min(1).optional(),
  SEAT_GRACE_SECONDS: seconds(300),
  HEARTBEAT_SECONDS: seconds(30),
  SEAT_TOKEN_TTL_SECONDS: seconds(7200),
  SESSION_TTL_SECONDS: seconds(604800),
  SESSION_CACHE_TTL_SECONDS: seconds(60),
  TURN_SECONDS: seconds(30),
  HOLD_TTL_SECONDS: seconds(300),
  ORDER_TTL_SECONDS: seconds(900),
  ADMISSION_TTL_SECONDS: seconds(120),
  RATE_LIMITS: RateLimitsSetting,
  ROOM_LIMITS: RoomLimitsSetting,
  /** `table_events` older than this (and behind the latest snapshot) are deleted. */
  EVENT_RETENTION_DAYS: retentionOrOff("30", "days"),
  /** Events kept per table before its latest snapshot whatever their age (history, resync). */
  EVENT_RETENTION_KEEP: z.coerce.number().int().min(0).default(1000),
  /** How often the (leased, one-node) retention job runs. */
  EVENT_RETENTION_INTERVAL_SECONDS: seconds(3600),
  /** Idempotency keys older than this are forgotten (the replay window). */
  IDEMPOTENCY_KEY_RETENTION_HOURS: retentionOrOff("24", "hours"),
  /** Cancelled and expired orders older than this are deleted with their items (paid and pending stay). */
  ORDER_RETENTION_DAYS: retentionOrOff("90", "days"),
  /** Sessions that expired more than this long ago are deleted. */
  SESSION_RETENTION_DAYS: retentionOrOff("7", "days"),
  /** How often each row-retention job (idempotency keys, orders, sessions) runs, on one node at a time. */
  ROW_RETENTION_INTERVAL_SECONDS: seconds(3600),
  DEMO_PAYMENTS: onOff("off"),
  /** Demo tables, branch and dishes at start (db/demo-seed.ts); auto: see `seedDemo` below. */
  SEED_DEMO: z.enum(["auto", "on", "off", "true", "false", "1", "0"]).default("auto"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  /** auto: readable lines on a terminal, JSON lines otherwise. */
  LOG_FORMAT: z.enum(["auto", "json", "pretty"]).default("auto"),
  /** Max JSON body size accepted by the HTTP API, in bytes. */
  MAX_BODY_BYTES: z.coerce.number().int().positive().default(64 * 1024),
  CORS_ORIGINS: CorsOrigins,
  /** Bearer token `/metrics` asks for; unset: `/metrics` is open. */
  METRICS_TOKEN: z.string().min(16, "must be at least 16 characters").optional(),
  /** Events each table's hot log (Redis stream or memory) keeps; older ones live in Postgres. */
  TABLE_LOG_RETENTION: z.coerce.number().int().min(10).max(1_000_000).default(1000),
  /** A table snapshot is taken after this many events... */
  TABLE_SNAPSHOT_EVERY: z.coerce.number().int().positive().default(50),
  /** ...or this many seconds after the last one when anything changed. */
  TABLE_SNAPSHOT_SECONDS: seconds(30),
  /** Ownership lease of a live table room; renewed every third of it. */
  TABLE_LEASE_SECONDS: seconds(5),
});

export interface Config {
  env: "development" | "production" | "test";
  port: number;
  publicAddress: string | undefined;
  /** The single Redis server's URL (undefined with a cluster or without Redis). */
  redisUrl: string | undefined;
  /** Where Redis is (one server or a cluster); undefined runs on memory (one node). */
  redis: RedisTarget | undefined;
  redisPrefix: string;
  databaseUrl: string | undefined;
  dataDir: string;
  /** PGlite's shared_buffers in embedded mode. */
  embeddedPgSharedBuffers: string;
  jwtSecret: string;
  /** True when JWT_SECRET was not given and a random one was made for this process. */
  jwtSecretGenerated: boolean;
  paymentWebhookSecret: string | undefined;
  seatGraceSeconds: number;
  heartbeatSeconds: number;
  seatTokenTtlSeconds: number;
  sessionTtlSeconds: number;
  sessionCacheTtlSeconds: number;
  turnSeconds: number;
  holdTtlSeconds: number;
  orderTtlSeconds: number;
  admissionTtlSeconds: number;
  /** null when rate limits are off. */
  rateLimits: Record<RateLimitClass, RateLimitRule> | null;
  /** null when room message and socket limits are off. */
  roomLimits: RoomLimits | null;
  /** Days of `table_events` kept behind snapshots; null: kept forever. */
  eventRetentionDays: number | null;
  eventRetentionKeep: number;
  eventRetentionIntervalSeconds: number;
  /** Hours an idempotency key is kept (and replayed); null: forever. */
  idempotencyKeyRetentionHours: number | null;
  /** Days cancelled/expired orders are kept; null: forever. */
  orderRetentionDays: number | null;
  /** Days an expired session row is kept; null: forever. */
  sessionRetentionDays: number | null;
  rowRetentionIntervalSeconds: number;
  demoPayments: boolean;
  /**
   * Seed the demo data at start (idempotent). SEED_DEMO=auto (the default): on for the
   * embedded database, and for DATABASE_URL unless NODE_ENV=production.
   */
  seedDemo: boolean;
  logLevel: string;
  logFormat: "auto" | "json" | "pretty";
  maxBodyBytes: number;
  /** Origins allowed to call from other sites (CORS); empty: same origin only. */
  corsOrigins: string[];
  /** Bearer token for `/metrics`; undefined: open. */
  metricsToken: string | undefined;
  tableLogRetention: number;
  tableSnapshotEvery: number;
  tableSnapshotSeconds: number;
  tableLeaseSeconds: number;
}

/** Thrown by `loadConfig`; its message is the one line to print. */
export class ConfigError extends Error {}

/**
 * Reads and validates the environment. Throws ConfigError naming the first bad
 * variable, e.g. `invalid configuration: PORT: expected number, received NaN`.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  // Empty strings mean "unset", as in most deployment tools.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(cleaned);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`invalid configuration: ${issue.path.join(".")}: ${issue.message}`);
  }
  const e = parsed.data;
  const redis = redisTargetOf(e.REDIS_URL, e.REDIS_CLUSTER_NODES);
  if (e.NODE_ENV === "production") {
    if (!e.JWT_SECRET) throw new ConfigError("invalid configuration: JWT_SECRET: required when NODE_ENV=production");
    if (e.DEMO_PAYMENTS)
      throw new ConfigError("invalid configuration: DEMO_PAYMENTS: must be off when NODE_ENV=production");
    const problem = productionSecretProblem(e.JWT_SECRET);
    if (problem) throw new ConfigError(`invalid configuration: JWT_SECRET: ${problem}`);
  }
  return {
    env: e.NODE_ENV,
    port: e.PORT,
    publicAddress: e.PUBLIC_ADDRESS,
    redisUrl: redis?.kind === "single" ? redis.url : undefined,
    redis,
    redisPrefix: e.REDIS_PREFIX,
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR,
    embeddedPgSharedBuffers: e.EMBEDDED_PG_SHARED_BUFFERS,
    jwtSecret: e.JWT_SECRET ?? randomBytes(32).toString("hex"),
    jwtSecretGenerated: !e.JWT_SECRET,
    paymentWebhookSecret: e.PAYMENT_WEBHOOK_SECRET,
    seatGraceSeconds: e.SEAT_GRACE_SECONDS,
    heartbeatSeconds: e.HEARTBEAT_SECONDS,
    seatTokenTtlSeconds: e.SEAT_TOKEN_TTL_SECONDS,
    sessionTtlSeconds: e.SESSION_TTL_SECONDS,
    sessionCacheTtlSeconds: e.SESSION_CACHE_TTL_SECONDS,
    turnSeconds: e.TURN_SECONDS,
    holdTtlSeconds: e.HOLD_TTL_SECONDS,
    orderTtlSeconds: e.ORDER_TTL_SECONDS,
    admissionTtlSeconds: e.ADMISSION_TTL_SECONDS,
    rateLimits: e.RATE_LIMITS,
    roomLimits: e.ROOM_LIMITS,
    eventRetentionDays: e.EVENT_RETENTION_DAYS,
    eventRetentionKeep: e.EVENT_RETENTION_KEEP,
    eventRetentionIntervalSeconds: e.EVENT_RETENTION_INTERVAL_SECONDS,
    idempotencyKeyRetentionHours: e.IDEMPOTENCY_KEY_RETENTION_HOURS,
    orderRetentionDays: e.ORDER_RETENTION_DAYS,
    sessionRetentionDays: e.SESSION_RETENTION_DAYS,
    rowRetentionIntervalSeconds: e.ROW_RETENTION_INTERVAL_SECONDS,
    demoPayments: e.DEMO_PAYMENTS,
    seedDemo: e.SEED_DEMO === "auto" ? !e.DATABASE_URL || e.NODE_ENV !== "production" : ["on", "true", "1"].includes(e.SEED_DEMO),
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    maxBodyBytes: e.MAX_BODY_BYTES,
    corsOrigins: e.CORS_ORIGINS,
    metricsToken: e.METRICS_TOKEN,
    tableLogRetention: e.TABLE_LOG_RETENTION,
    tableSnapshotEvery: e.TABLE_SNAPSHOT_EVERY,
    tableSnapshotSeconds: e.TABLE_SNAPSHOT_SECONDS,
    tableLeaseSeconds: e.TABLE_LEASE_SECONDS,
  };
}

/**
 * REDIS_URL (one server, or `redis+cluster://[user:pass@]host:port,host:port` for a
 * cluster) or REDIS_CLUSTER_NODES (`host:port,...`), never both.
 */
export function redisTargetOf(url: string | undefined, clusterNodes: string | undefined): RedisTarget | undefined {
  if (url && clusterNodes) throw new ConfigError("invalid configuration: REDIS_CLUSTER_NODES: set it or REDIS_URL, not both");
  if (clusterNodes) return { kind: "cluster", nodes: parseNodes(clusterNodes, "REDIS_CLUSTER_NODES") };
  if (!url) return undefined;
  const cluster = /^(rediss?)\+cluster:\/\/(?:([^@/]*)@)?([^/?#]+)\/?$/.exec(url);
  if (!cluster) {
    if (/^rediss?\+cluster:/.test(url)) throw new ConfigError("invalid configuration: REDIS_URL: expected redis+cluster://[user:password@]host:port,host:port");
    return { kind: "single", url };
  }
  const [, scheme, auth, hosts] = cluster;
  const [username, password] = auth ? splitAuth(decodeURIComponent(auth)) : [undefined, undefined];
  return { kind: "cluster", nodes: parseNodes(hosts, "REDIS_URL"), username, password, tls: scheme === "rediss" };
}

function splitAuth(auth: string): [string | undefined, string | undefined] {
  const colon = auth.indexOf(":");
  if (colon < 0) return [undefined, auth];
  return [auth.slice(0, colon) || undefined, auth.slice(colon + 1) || undefined];
}

function parseNodes(list: string, setting: string): { host: string; port: number }[] {
  const nodes = list
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d{1,5})$/.exec(entry);
      const port = m ? Number(m[2]) : NaN;
      if (!m || port < 1 || port > 65535) throw new ConfigError(`invalid configuration: ${setting}: expected host:port, got "${entry}"`);
      return { host: m[1].replace(/^\[|\]$/g, ""), port };
    });
  if (nodes.length === 0) throw new ConfigError(`invalid configuration: ${setting}: expected at least one host:port`);
  return nodes;
}
