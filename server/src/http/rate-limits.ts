import type { RequestHandler } from "express";
import type { RedisClient as Redis } from "../redis/redis-client.ts";
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from "rate-limiter-flexible";
import { ErrorCode } from "@holdfast/shared";
import type { RateLimitClass, RateLimitRule } from "../config.ts";
import { AppError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { RedisKeys } from "../redis/keys.ts";

/**
 * Per client IP and route class limits (rate-limiter-flexible). With Redis every node
 * counts against the same budget; if Redis is unreachable a per-node memory limiter
 * (the "insurance" limiter) takes over instead of failing the request.
 */
export class RateLimits {
  private readonly limiters = new Map<RateLimitClass, RateLimiterAbstract>();

  constructor(
    private readonly rules: Record<RateLimitClass, RateLimitRule> | null,
    backend: { redis?: Redis; keys: RedisKeys },
    private readonly logger: Logger,
  ) {
    if (!rules) return;
    for (const [routeClass, rule] of Object.entries(rules) as [RateLimitClass, RateLimitRule][]) {
      const common = { points: rule.points, duration: rule.durationSeconds, keyPrefix: backend.keys.rateLimit(routeClass) };
      const limiter = backend.redis
        ? new RateLimiterRedis({
            ...common,
            storeClient: backend.redis,
            useRedisPackage: false,
            insuranceLimiter: new RateLimiterMemory(common),
          })
        : new RateLimiterMemory(common);
      this.limiters.set(routeClass, limiter);
    }
  }

  get enabled(): boolean {
    return this.rules !== null;
  }

  /**
   * Charges one point to `routeClass` for `key` (an IP, a user id): the RATE_LIMITED
   * error to answer with, or null when allowed (also when limits are off, or when the
   * limiter itself fails: a limiter outage must not take the route down).
   */
  async check(routeClass: RateLimitClass, key: string): Promise<AppError | null> {
    const limiter = this.limiters.get(routeClass);
    if (!limiter) return null;
    try {
      await limiter.consume(key, 1);
      return null;
    } catch (rejection) {
      if (rejection instanceof RateLimiterRes) {
        const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        return new AppError(ErrorCode.RATE_LIMITED, `too many ${routeClass} requests; retry in ${retryAfter} s`, {
          headers: { "Retry-After": String(retryAfter) },
          retryAfterMs: Math.max(0, Math.ceil(rejection.msBeforeNext)),
        });
      }
      this.logger.warn({ err: rejection, routeClass }, "rate limiter failed; request allowed");
      return null;
    }
  }

  /** Express middleware charging one point to `routeClass` for the caller's IP. */
  middleware(routeClass: RateLimitClass): RequestHandler {
    return async (req, res, next) => {
      const limiter = this.limiters.get(routeClass);
      const rule = this.rules?.[routeClass];
      if (!limiter || !rule) return next();
      const key = req.ip ?? req.socket.remoteAddress ?? "unknown";
      try {
        const result = await limiter.consume(key, 1);
        setRateHeaders(res, rule, result);
        next();
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          setRateHeaders(res, rule, rejection);
          const retryAfter = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
          next(
            new AppError(ErrorCode.RATE_LIMITED, `too many ${routeClass} requests; retry in ${retryAfter} s`, {
              headers: { "Retry-After": String(retryAfter) },
            }),
          );
          return;
        }
        // Limiter failure (both Redis and insurance): let the request through, loudly.
        this.logger.warn({ err: rejection, routeClass }, "rate limiter failed; request allowed");
        next();
      }
    };
  }
}

/** IETF draft `RateLimit-*` headers, as most clients and proxies read them. */
function setRateHeaders(res: { setHeader(name: string, value: string): unknown }, rule: RateLimitRule, r: RateLimiterRes): void {
  res.setHeader("RateLimit-Limit", String(rule.points));
  res.setHeader("RateLimit-Remaining", String(Math.max(0, r.remainingPoints)));
  res.setHeader("RateLimit-Reset", String(Math.max(0, Math.ceil(r.msBeforeNext / 1000))));
  res.setHeader("RateLimit-Policy", `${rule.points};w=${rule.durationSeconds}`);
}
