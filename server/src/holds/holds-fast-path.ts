import type { IncomingMessage, ServerResponse } from "node:http";
import { performance } from "node:perf_hooks";
import type { Application, Request, RequestHandler, Response } from "express";
import { ErrorCode } from "@holdfast/shared";
import { CreateHoldBody } from "@holdfast/shared/schemas";
import { AppError } from "../errors.ts";
import { ErrorBoundary } from "../error-boundary.ts";
import type { Metrics } from "../metrics.ts";
import type { RateLimits } from "../http/rate-limits.ts";
import { parseOrThrow } from "../http/validate.ts";
import type { SessionService } from "../identity/session-service.ts";
import { bearerToken } from "../identity/tokens.ts";
import type { Logger } from "../logger.ts";
import type { HoldService } from "./hold-service.ts";

export interface HoldHotPathDeps {
  holds: HoldService;
  sessions: SessionService;
  limits: RateLimits;
  logger: Logger;
  /** Bodies larger than this go the general way (which answers 413). */
  maxBodyBytes: number;
}

/**
 * `POST /api/holds` in its common form, answered on the bare node request: the hot path
 * of a flash sale. It skips express (routing, prototype switch, finalhandler, the
 * generic JSON body parser, ETag): about 10 us less CPU per hold on the development
 * machine, a quarter of what the node spends on one.
 *
 * Same contract and the same order of checks as the general route (holds-routes.ts,
 * behind commerce.ts's JSON parser): body JSON (400) → `holds` rate limit (429) → access
 * token and session (401) → body schema (400) → reserve (409 / 404 / 403) → 201. Errors
 * are the same `{error:{code, message}}` bodies the error middleware writes; the request
 * is timed into the same `holdfast_http_request_duration_seconds` series.
 *
 * It takes only requests it can answer exactly like the general route: `POST` to exactly
 * `/api/holds`, no `Idempotency-Key`, no `Content-Encoding` or `Transfer-Encoding`, a
 * `Content-Length` within the body limit and a plain UTF-8 JSON content type. Anything
 * else is left untouched for express, whose route stays the reference
 * (test/holds/holds-fast-path.test.ts sends the same inputs both ways).
 */
export class HoldHotPath {
  private readonly holdsLimit: RequestHandler | undefined;
  private metrics: Metrics | undefined;
  /** express's request and response prototypes of the app (for `req.ip`). */
  private protos: { request: object; response: object } | undefined;
  /** The app's error boundary once mounted (the same decisions as errors-middleware.ts). */
  private errors: ErrorBoundary;

  constructor(private readonly deps: HoldHotPathDeps) {
    this.holdsLimit = deps.limits.enabled ? deps.limits.middleware("holds") : undefined;
    this.errors = new ErrorBoundary(deps.logger);
  }

  /**
   * Puts the hot path in front of `app` by wrapping `app.handle`, the entry Colyseus
   * calls for every HTTP request it does not route itself (after setting the CORS
   * headers): requests it takes never reach express. Call it from the app's setup;
   * app-level middleware does not see these requests (the hot path does its own
   * metrics, limits and errors).
   */
  mount(app: Application, metrics: Metrics, errors?: ErrorBoundary): void {
    if (errors) this.errors = errors;
    const a = app as unknown as { request: object; response: object };
    this.protos = { request: a.request, response: a.response };
    this.metrics = metrics;
    const expressHandle = (app as unknown as { handle: (req: IncomingMessage, res: ServerResponse, cb?: unknown) => void }).handle;
    (app as unknown as { handle: typeof expressHandle }).handle = (req, res, cb) => {
      if (!this.take(req, res)) expressHandle.call(app, req, res, cb);
    };
  }

  /** True when it took the request (and will answer it). */
  take(req: IncomingMessage, res: ServerResponse): boolean {
    if (req.method !== "POST" || req.url !== "/api/holds") return false;
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
      return false;
    }
    const length = Number(lengthHeader);
    if (!Number.isInteger(length) || length < 0 || length > this.deps.maxBodyBytes) return false;
    void this.run(req, res, performance.now());
    return true;
  }

  private async run(req: IncomingMessage, res: ServerResponse, started: number): Promise<void> {
    try {
      try {
        await this.answer(req, res);
      } catch (err) {
        this.fail(req, res, err);
      }
      this.observe(res, started);
    } catch (err) {
      this.deps.logger.error({ err }, "holds hot path failed to answer");
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const text = await readBody(req);
    let json: unknown;
    try {
      // As body-parser: an empty body is `{}`, a BOM is dropped.
      json = text.length === 0 ? {} : JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch {
      throw new AppError(ErrorCode.VALIDATION_FAILED, "request body is not valid JSON");
    }
    if (this.holdsLimit) await this.rateLimit(req, res);
    const token = bearerToken(req.headers.authorization);
    const identity = this.deps.sessions.cachedIdentity(token) ?? (await this.deps.sessions.authenticate(token));
    const body = parseOrThrow(CreateHoldBody, json);
    send(res, 201, JSON.stringify(await this.deps.holds.create(identity, body)));
  }

  /** The `holds` limiter middleware, keyed by the client address as express sees it (trust proxy). */
  private rateLimit(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Give the request express's prototype (as express itself would) so `req.ip` applies
    // the app's "trust proxy" setting.
    if (this.protos) {
      Object.setPrototypeOf(req, this.protos.request);
      Object.setPrototypeOf(res, this.protos.response);
    }
    return new Promise<void>((resolve, reject) => {
      void this.holdsLimit!(req as Request, res as Response, (err?: unknown) => (err ? reject(err) : resolve()));
    });
  }

  /** What errors-middleware.ts answers, for the errors this path can raise. */
  private fail(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    const appError = this.errors.handle(err, { method: req.method, path: "/api/holds" });
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    if (appError.code === ErrorCode.UNAVAILABLE && !appError.headers?.["Retry-After"]) res.setHeader("Retry-After", "1");
    send(res, appError.status, JSON.stringify({ error: appError.toBody() }));
  }

  private observe(res: ServerResponse, started: number): void {
    this.metrics?.observeHttp("POST", "/api/holds", res.statusCode, (performance.now() - started) / 1000);
  }
}

/** `application/json`, optionally with a UTF-8 charset: the only body this path reads itself. */
const PLAIN_JSON = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;

function send(res: ServerResponse, status: number, payload: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json; charset=utf-8");
  res.setHeader("Content-Length", Buffer.byteLength(payload));
  res.end(payload);
}

/** Per-request state of readBody, kept on the request so that no closure is made per request. */
interface BodyState {
  first: Buffer | undefined;
  more: Buffer[] | undefined;
  resolve: (text: string) => void;
  reject: (err: Error) => void;
}
const kBody = Symbol("holdfast.body");
type WithBody = IncomingMessage & { [kBody]?: BodyState };

function onBodyData(this: WithBody, chunk: Buffer): void {
  const st = this[kBody]!;
  if (!st.first) st.first = chunk;
  else (st.more ??= [st.first]).push(chunk);
}

function onBodyEnd(this: WithBody): void {
  const st = this[kBody]!;
  st.resolve(st.more ? Buffer.concat(st.more).toString("utf8") : (st.first?.toString("utf8") ?? ""));
}

function onBodyClose(this: WithBody): void {
  // IncomingMessage emits "error" only to listeners; an abort shows here as an incomplete close.
  if (!this.complete) this[kBody]!.reject(new AppError(ErrorCode.VALIDATION_FAILED, "request aborted"));
}

/** The whole (already size-checked) body as UTF-8 text. */
function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    (req as WithBody)[kBody] = { first: undefined, more: undefined, resolve, reject };
    req.on("data", onBodyData);
    req.on("end", onBodyEnd);
    req.on("close", onBodyClose);
  });
}
