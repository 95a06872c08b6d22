import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { matchMaker } from "@colyseus/core";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import type { ErrorBoundary } from "../error-boundary.ts";
import { matchmakeRoute } from "./matchmake-route.ts";
import { restrictCors, securityHeaders } from "./security-headers.ts";

export interface FrontDoorOptions {
  errors: ErrorBoundary;
  /** `CORS_ORIGINS`: origins allowed to call from another site; empty = same origin only. */
  corsOrigins: readonly string[];
  maxBodyBytes: number;
  transport?: { protocol?: string; fingerprint?: unknown };
}

/**
 * What every HTTP request passes first, whoever answers it afterwards (Colyseus's
 * router, the holds hot path or express): security headers, the CORS allowlist, a 400
 * for a URL that cannot be decoded, and the matchmaker route with the contract's errors.
 *
 * Installed after `server.listen()`, when Colyseus has registered its request listener
 * (which sets CORS headers and dispatches): the listeners present then are wrapped, the
 * same way Colyseus's own `prereadRequestBodies` does it.
 */
export function installFrontDoor(server: Server, o: FrontDoorOptions): void {
  restrictCors(o.corsOrigins);
  const setHeaders = securityHeaders();
  const matchmake = matchmakeRoute(o);
  const listeners = server.listeners("request") as ((req: IncomingMessage, res: ServerResponse) => void)[];
  server.removeAllListeners("request");
  server.on("request", (req: IncomingMessage, res: ServerResponse) => {
    setHeaders(req, res);
    if (!decodablePath(req.url)) {
      reject(res, new AppError(ErrorCode.VALIDATION_FAILED, "malformed URL (bad percent-encoding)"));
      return;
    }
    if (req.method === "POST") {
      // Colyseus's listener would set these; for requests answered here, set them first.
      const cors = matchMaker.controller.getCorsHeaders(new Headers(req.headers as Record<string, string>));
      for (const [name, value] of Object.entries(cors)) res.setHeader(name, value);
      if (matchmake(req, res)) return;
    }
    for (const listener of listeners) listener.call(server, req, res);
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
