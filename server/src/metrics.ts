import { performance } from "node:perf_hooks";
import type { RequestHandler } from "express";
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics of one app. A registry per app (not prom-client's global one),
 * so tests can build and drop apps without "metric already registered" errors.
 */
export class Metrics {
  readonly registry = new Registry();
  readonly httpDuration = new Histogram({
    name: "holdfast_http_request_duration_seconds",
    help: "HTTP request duration by method, route and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly rooms = new Gauge({
    name: "holdfast_rooms",
    help: "Live rooms on this node by room type",
    labelNames: ["room"] as const,
    registers: [this.registry],
  });
  readonly clients = new Gauge({
    name: "holdfast_connected_clients",
    help: "Connected room clients on this node by room type",
    labelNames: ["room"] as const,
    registers: [this.registry],
  });
  readonly roomErrors = new Counter({
    name: "holdfast_room_errors_total",
    help: "Room commands answered with an error, by room type and code",
    labelNames: ["room", "code"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "holdfast_" });
  }

  /** `holdfast_redis_commands_total`, read from `sent` at each scrape (no cost per command here). */
  countRedisCommands(sent: () => number): void {
    new Counter({
      name: "holdfast_redis_commands_total",
      help: "Commands this node sent to Redis (all its connections; a cluster counts each command once)",
      registers: [this.registry],
      collect() {
        this.reset();
        this.inc(sent());
      },
    });
  }

  /**
   * `holdfast_table_archive_pending_events`, read from `pending` at each scrape: table
   * events the hot log accepted and Postgres has not stored yet, the events a crash
   * would lose (see docs/continuity.md).
   */
  countArchivePending(pending: () => number): void {
    new Gauge({
      name: "holdfast_table_archive_pending_events",
      help: "Table events accepted and not yet written to Postgres (lost if the process crashes now)",
      registers: [this.registry],
      collect() {
        this.set(pending());
      },
    });
  }

  /** Label-bound observers of httpDuration, by "method route status" (few, bounded by the routes). */
  private readonly httpSeries = new Map<string, (seconds: number) => void>();

  /** Records one HTTP request into httpDuration (also used by hot paths that bypass express). */
  observeHttp(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let observe = this.httpSeries.get(key);
    if (!observe) {
      const child = this.httpDuration.labels({ method, route, status: String(status) });
      observe = (s: number) => child.observe(s);
      this.httpSeries.set(key, observe);
    }
    observe(seconds);
  }

  /** Times every request; `route` is the matched express route pattern, never the raw path. */
  httpMiddleware(): RequestHandler {
    return (req, res, next) => {
      const started = performance.now();
      res.on("finish", () => {
        const route = req.route?.path ? `${req.baseUrl}${String(req.route.path)}` : "unmatched";
        this.observeHttp(req.method, route, res.statusCode, (performance.now() - started) / 1000);
      });
      next();
    };
  }
}
