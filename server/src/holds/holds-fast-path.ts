import type { IncomingMessage } from "node:http";
import type { RequestHandler } from "express";
import { CreateHoldBody, ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { SessionService } from "../identity/session-service.ts";
import { bearerToken } from "../identity/tokens.ts";
import type { HoldService } from "./hold-service.ts";

export interface HoldFastPathDeps {
  holds: HoldService;
  sessions: SessionService;
  /** The `holds` rate-limit middleware; undefined when rate limits are off. */
  holdsLimit: RequestHandler | undefined;
  /** Bodies larger than this go the generic way (which answers 413). */
  maxBodyBytes: number;
}

/** `application/json`, optionally with a UTF-8 charset: the only body this path reads itself. */
const PLAIN_JSON = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

/**
 * `POST /api/holds` in its common form, without the generic JSON body parser: the hot
 * path of a flash sale. Same contract and same order of checks as the general route
 * (holds-routes.ts): body JSON (400) → `holds` rate limit (429) → access token and
 * session (401) → body schema (400) → reserve (409 / 404) → 201.
 *
 * It takes only requests it can answer exactly like the general route: no
 * `Idempotency-Key`, no `Content-Encoding` or `Transfer-Encoding`, a `Content-Length`
 * within the body limit and a plain UTF-8 JSON content type. Anything else is passed on
 * (`next()`, body untouched) to the general route, which stays the reference.
 */
export function holdFastPath(deps: HoldFastPathDeps): RequestHandler {
  const { holds, sessions, holdsLimit, maxBodyBytes } = deps;
  const rateLimit = holdsLimit
    ? (req: Parameters<RequestHandler>[0], res: Parameters<RequestHandler>[1]) =>
        new Promise<void>((resolve, reject) => {
          void holdsLimit(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
        })
    : undefined;

  return async (req, res, next) => {
    const h = req.headers;
    const contentType = h["content-type"];
    const lengthHeader = h["content-length"];
    if (
      h["idempotency-key"] !== undefined ||
      h["content-encoding"] !== undefined ||
      h["transfer-encoding"] !== undefined ||
      lengthHeader === undefined ||
      contentType === undefined ||
      !(contentType === "application/json" || PLAIN_JSON.test(contentType))
    ) {
      return next();
    }
    const length = Number(lengthHeader);
    if (!Number.isInteger(length) || length < 0 || length > maxBodyBytes) return next();

    const text = await readBody(req);
    let json: unknown;
    try {
      // As body-parser: an empty body is `{}`, a BOM is dropped.
      json = text.length === 0 ? {} : JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "request body is not valid JSON");
    }
    if (rateLimit) await rateLimit(req, res);
    const identity = await sessions.authenticate(bearerToken(h.authorization));
    (req as typeof req & { identity?: unknown }).identity = identity;
    const body = parseOrThrow(CreateHoldBody, json);
    const payload = JSON.stringify(await holds.create(identity, body));
    res.statusCode = 201;
    res.setHeader("Content-Type", "application/json; charset=utf-8");
    res.setHeader("Content-Length", Buffer.byteLength(payload));
    res.end(payload);
  };
}

/** The whole (already size-checked) body as UTF-8 text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      text += chunk;
    });
    req.once("end", () => resolve(text));
    const aborted = () => {
      if (!req.complete) reject(new AppError(ErrorCode.VALIDATION_FAILED, "request aborted"));
    };
    req.once("error", aborted);
    req.once("close", aborted);

  });
}
