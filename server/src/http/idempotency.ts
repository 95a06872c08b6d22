import { createHash } from "node:crypto";
import type { Request, Response } from "express";
import { ErrorCode } from "@holdfast/shared";
import { IdempotencyKey } from "@holdfast/shared/schemas";
import type pg from "pg";
import { stringify as canonicalJson } from "safe-stable-stringify";
import { AppError, isAppError } from "../errors.ts";
import { parseOrThrow } from "./validate.ts";
import { ABANDONED_AFTER_MS } from "../db/idempotency-window.ts";

export { ABANDONED_AFTER_MS };

/**
 * The fingerprint a key's first request is remembered by: SHA-256 of the body as
 * canonical JSON (object keys sorted, recursively), so `{"a":1,"b":2}` and
 * `{"b":2,"a":1}` are the same request. Array order still matters.
 */
export function requestFingerprint(body: unknown): string {
  return createHash("sha256").update(canonicalJson(body ?? null) ?? "null").digest("hex");
}

/** The replay lookup, `$1` user, `$2` scope, `$3` key (exported for the index-plan test). */
export const IDEMPOTENCY_LOOKUP_SQL =
  "SELECT request_hash, status_code, response_body, created_at FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3";

/**
 * `Idempotency-Key` in Postgres: the first response to (user, scope, key) is stored and
 * replayed for the same body; a different body gets 422 IDEMPOTENCY_CONFLICT. A request
 * still in flight under the key gets 409 CONFLICT. Client errors (4xx) are stored like
 * successes; server faults are not, so the client may retry with the same key.
 */
export class Idempotency {
  constructor(private readonly pool: pg.Pool) {}

  async run(
    req: Request,
    res: Response,
    opts: { userId: string; scope: string; required: boolean },
    handler: () => Promise<{ status: number; body: unknown }>,
  ): Promise<void> {
    const header = req.header("idempotency-key");
    if (header === undefined) {
      if (opts.required) throw new AppError(ErrorCode.VALIDATION_FAILED, "the Idempotency-Key header is required");
      const out = await handler();
      res.status(out.status).json(out.body);
      return;
    }
    const key = parseOrThrow(IdempotencyKey, header, "Idempotency-Key header");
    const hash = requestFingerprint(req.body);
    const claimed = await this.claim(opts.userId, opts.scope, key, hash);
    if (!claimed.mine) {
      if (claimed.hash !== hash) {
        throw new AppError(ErrorCode.IDEMPOTENCY_CONFLICT, "this Idempotency-Key was used with a different request body");
      }
      if (claimed.status === null) throw new AppError(ErrorCode.CONFLICT, "a request with this Idempotency-Key is in progress");
      res.setHeader("Idempotent-Replayed", "true");
      res.status(claimed.status).json(claimed.body);
      return;
    }
    let out: { status: number; body: unknown };
    try {
      out = await handler();
    } catch (err) {
      if (isAppError(err) && err.status < 500) {
        await this.complete(opts.userId, opts.scope, key, err.status, { error: err.toBody() });
      } else {
        await this.pool.query("DELETE FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3", [opts.userId, opts.scope, key]);
      }
      throw err;
    }
    await this.complete(opts.userId, opts.scope, key, out.status, out.body);
    res.status(out.status).json(out.body);
  }

  private async claim(
    userId: string,
    scope: string,
    key: string,
    hash: string,
  ): Promise<{ mine: true } | { mine: false; hash: string; status: number | null; body: unknown }> {
    for (let attempt = 0; attempt < 2; attempt++) {
      const inserted = await this.pool.query(
        `INSERT INTO idempotency_keys (user_id, scope, key, request_hash) VALUES ($1, $2, $3, $4)
         ON CONFLICT DO NOTHING`,
        [userId, scope, key, hash],
      );
      if (inserted.rowCount === 1) return { mine: true };
      const { rows } = await this.pool.query(IDEMPOTENCY_LOOKUP_SQL, [userId, scope, key],
      );
      const row = rows[0];
      if (!row) continue; // deleted meanwhile: try to claim again
      if (row.status_code === null && Date.now() - new Date(row.created_at).getTime() > ABANDONED_AFTER_MS) {
        await this.pool.query(
          "DELETE FROM idempotency_keys WHERE user_id = $1 AND scope = $2 AND key = $3 AND status_code IS NULL",
          [userId, scope, key],
        );
        continue;
      }
      return { mine: false, hash: row.request_hash, status: row.status_code, body: row.response_body };
    }
    throw new AppError(ErrorCode.CONFLICT, "a request with this Idempotency-Key is in progress");
  }

  private async complete(userId: string, scope: string, key: string, status: number, body: unknown): Promise<void> {
    await this.pool.query(
      "UPDATE idempotency_keys SET status_code = $4, response_body = $5 WHERE user_id = $1 AND scope = $2 AND key = $3",
      [userId, scope, key, status, JSON.stringify(body)],
    );
  }
}
