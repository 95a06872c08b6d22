import type { ErrorRequestHandler, RequestHandler } from "express";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { ErrorBoundary } from "../error-boundary.ts";
import type { Logger } from "../logger.ts";

/** Unknown routes: a JSON 404 like every other error, never express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(ErrorCode.NOT_FOUND, `no route for ${req.method} ${req.path}`));
};

/**
 * The HTTP catch-all, through the app's error boundary: AppErrors become their
 * `{error:{code, message}}` body; malformed requests refused by express or body-parser
 * (bad percent-encoding, bad JSON, an undecodable or too large body) get
 * VALIDATION_FAILED / PAYLOAD_TOO_LARGE; Postgres or Redis away is 503 UNAVAILABLE with
 * the cause logged once; anything else is a fault, logged with its stack and answered as
 * a bare 500 INTERNAL.
 */
export function errorHandler(boundaryOrLogger: ErrorBoundary | Logger): ErrorRequestHandler {
  // A bare logger (small test apps) gets a boundary of its own.
  const errors = boundaryOrLogger instanceof ErrorBoundary ? boundaryOrLogger : new ErrorBoundary(boundaryOrLogger);
  return (err, req, res, _next) => {
    const appError = errors.handle(err, { method: req.method, path: req.path });
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    if (appError.code === ErrorCode.UNAVAILABLE && !appError.headers?.["Retry-After"]) res.setHeader("Retry-After", "1");
    res.status(appError.status).json({ error: appError.toBody() });
  };
}
