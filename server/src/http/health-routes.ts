import { timingSafeEqual, createHash } from "node:crypto";
import { Router } from "express";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { Database } from "../db/database.ts";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import { withTimeout } from "../redis/redis-client.ts";
import type { Metrics } from "../metrics.ts";

export interface HealthDeps {
  db: Database;
  redis: Redis | undefined;
  metrics: Metrics;
  isDraining: () => boolean;
  /** `METRICS_TOKEN`: when set, `/metrics` asks for `Authorization: Bearer <it>`. */
  metricsToken?: string;
}

interface Probe {
  ok: boolean;
  ms: number;
  mode: string;
  error?: string;
}

const PROBE_TIMEOUT_MS = 1000;

async function probe(mode: string, ping: () => Promise<unknown>): Promise<Probe> {
  const started = performance.now();
  try {
    await withTimeout(ping(), PROBE_TIMEOUT_MS, `${mode} ping`);
    return { ok: true, ms: round(performance.now() - started), mode };
  } catch (err) {
    return { ok: false, ms: round(performance.now() - started), mode, error: (err as Error).message };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** `/healthz` (the process runs), `/readyz` (backends answer, not draining), `/metrics`. */
export function healthRoutes(deps: HealthDeps): Router {
  const router = Router();

  router.get("/healthz", (_req, res) => {
    res.json({ ok: true });
  });

  router.get("/readyz", async (_req, res) => {
    const [redis, db] = await Promise.all([
      deps.redis ? probe("redis", () => deps.redis!.ping()) : probe("memory", async () => undefined),
      probe(deps.db.kind, () => deps.db.ping()),
    ]);
    const draining = deps.isDraining();
    const ready = redis.ok && db.ok && !draining;
    res.status(ready ? 200 : 503).json({ redis, db, draining });
  });

  router.get("/metrics", async (req, res) => {
    if (deps.metricsToken !== undefined && !bearerMatches(req.headers.authorization, deps.metricsToken)) {
      throw new AppError(ErrorCode.UNAUTHORIZED, "/metrics needs Authorization: Bearer <METRICS_TOKEN>", {
        headers: { "WWW-Authenticate": 'Bearer realm="metrics"' },
      });
    }
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  return router;
}

/** Constant-time comparison of `Authorization: Bearer <token>` with the expected token. */
function bearerMatches(header: string | undefined, expected: string): boolean {
  const match = /^Bearer\s+(\S+)$/i.exec(header ?? "");
  if (!match) return false;
  const digest = (value: string) => createHash("sha256").update(value).digest();
  return timingSafeEqual(digest(match[1]), digest(expected));
}
