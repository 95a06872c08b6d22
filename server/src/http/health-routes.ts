import { Router } from "express";
import type { Database } from "../db/database.ts";
import type { Redis } from "ioredis";
import { withTimeout } from "../redis/redis-client.ts";
import type { Metrics } from "./metrics.ts";

export interface HealthDeps {
  db: Database;
  redis: Redis | undefined;
  metrics: Metrics;
  isDraining: () => boolean;
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

  router.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  return router;
}
