import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router } from "express";
import type { Config } from "../config.ts";

/** The demo page and its assets (`server/public`; the SDK bundle is built into public/build). */
export const PUBLIC_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../public");

/**
 * `/` serves the demo page; `/api/info` tells pages and SDKs what this server expects
 * (heartbeat, grace) and whether demo payments are on. An explicit `/` route also keeps
 * Colyseus from answering `/` with its own banner.
 */
export function webRoutes(config: Config): Router {
  const router = Router();
  router.get("/", (_req, res) => res.sendFile(path.join(PUBLIC_DIR, "index.html")));
  router.get("/api/info", (_req, res) => {
    res.json({
      name: "holdfast",
      heartbeatSeconds: config.heartbeatSeconds,
      seatGraceSeconds: config.seatGraceSeconds,
      demoPayments: config.demoPayments,
    });
  });
  router.use(express.static(PUBLIC_DIR, { index: false, maxAge: "1m" }));
  return router;
}
