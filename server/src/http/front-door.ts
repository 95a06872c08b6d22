import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { matchMaker } from "@colyseus/core";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { ErrorBoundary } from "../error-boundary.ts";
import { restrictCors, securityHeaders } from "./security-headers.ts";

export interface FrontDoorOptions {
  errors: ErrorBoundary;
  /** `CORS_ORIGINS`: origins allowed to call from another site; empty = same origin only. */
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  transport?: { protocol?: string; fingerprint?: unknown };
}

/**
 * What every HTTP request passes first, whoever answers it afterwards (a matchmaker gate,
 * the matchmaker route, Colyseus's router, the holds hot path or express): security
 * headers, the CORS allowlist, and a 400 for a URL that cannot be decoded.
 *
 * Installed after `server.listen()`, when Colyseus has registered its request listener
 * (which sets CORS headers and dispatches): the listeners present then are wrapped, the
 * same way Colyseus's own `prereadRequestBodies` does it. Install it last: it must be
 * the outermost layer.
 */
export function installFrontDoor(server: Server, o: FrontDoorOptions): void {
  restrictCors(o.corsOrigins);
  const setHeaders = securityHeaders();
  wrapRequestListeners(server, (req, res, next) => {
    setHeaders(req, res);
    if (!decodablePath(req.url)) {
      reject(res, new AppError(ErrorCode.VALIDATION_FAILED, "malformed URL (bad percent-encoding)"));
      return;
    }
    if (req.method !== "OPTIONS") {
      // Colyseus's listener sets these too; requests answered before it need them as well.
      const cors = matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>));
      for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
    }
    next();
  });
}

type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** Puts `layer` in front of the server's current request listeners. */
export function wrapRequestListeners(server: Server, layer: (req: IncomingMessage, res: ServerResponse, next: () => void) => void): void {
  const inner = server.listeners("request") as Listener[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    layer(req, res, () => {
      for (const listener of inner) listener.call(server, req, res);
    });
  });
}

/** False for a path with broken percent-encoding (`/api/holds/%E0%A4%A`). */
function decodablePath(url: string | undefined): boolean {
  const path = (url ?? "/").split("?")[0];
  if (!path.includes("%")) return true;
  try {
    decodeURIComponent(path);
    return true;
  } catch {
    return false;
  }
}

function reject(res: ServerResponse, error: AppError): void {
  const json = JSON.stringify({ error: error.toBody() });
  res.writeHead(error.status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(json) });
  res.end(json);
}
