import type { ErrorRequestHandler, RequestHandler } from "express";
import { ErrorCode } from "@holdfast/shared";
import { AppError, isAppError } from "../errors.ts";
import type { Logger } from "../logger.ts";

/** Unknown routes: a JSON 404 like every other error, never express's HTML page. */
export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new AppError(ErrorCode.NOT_FOUND, `no route for ${req.method} ${req.path}`));
};

/**
 * The HTTP catch-all. AppErrors become their `{error:{code, message}}` body; body-parser
 * failures (bad JSON, too large) get VALIDATION_FAILED / PAYLOAD_TOO_LARGE; anything
 * else is a fault: logged with its stack, answered as a bare 500 INTERNAL.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const appError = toAppError(err);
    if (appError.code === ErrorCode.INTERNAL) {
      logger.error({ err, method: req.method, path: req.path }, "unhandled error in HTTP request");
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    for (const [name, value] of Object.entries(appError.headers ?? {})) res.setHeader(name, value);
    res.status(appError.status).json({ error: appError.toBody() });
  };
}

function toAppError(err: unknown): AppError {
  if (isAppError(err)) return err;
  const e = err as { type?: string; status?: number; message?: string; limit?: number };
  switch (e?.type) {
    case "entity.parse.failed":
      return new AppError(ErrorCode.VALIDATION_FAILED, "request body is not valid JSON");
    case "entity.too.large":
      return new AppError(ErrorCode.PAYLOAD_TOO_LARGE, `request body is larger than ${e.limit ?? "the limit"} bytes`);
    case "encoding.unsupported":
    case "charset.unsupported":
      return new AppError(ErrorCode.VALIDATION_FAILED, "unsupported request body encoding");
    case "request.aborted":
      return new AppError(ErrorCode.VALIDATION_FAILED, "request aborted");
  }
  return new AppError(ErrorCode.INTERNAL, "internal error");
}
