import type { IncomingMessage, ServerResponse } from "node:http";
import { matchMaker } from "@colyseus/core";
import helmet from "helmet";

/**
 * Response headers that keep the demo page and the API from being used against their
 * own users (helmet):
 * - `Content-Security-Policy`: scripts, styles, images and fonts from this origin only
 *   (`script-src 'self'`: no inline script, so injected markup cannot run code), no
 *   plugins, no `<base>`, never framed (`frame-ancestors 'none'`). `connect-src` also
 *   allows `ws:`/`wss:` because with several nodes the matchmaker sends the page's
 *   WebSocket to another node's PUBLIC_ADDRESS, which is not this origin.
 * - `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 *   `Referrer-Policy: no-referrer`, `Cross-Origin-Opener-Policy`/`-Resource-Policy`:
 *   same-origin, HSTS (ignored by browsers over plain http).
 */
export function securityHeaders(): (req: IncomingMessage, res: ServerResponse) => void {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        fontSrc: ["'self'"],
        connectSrc: ["'self'", "ws:", "wss:"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: "no-referrer" },
    xFrameOptions: { action: "deny" },
  });
  // helmet only sets headers and calls next() synchronously.
  const next = () => undefined;
  return (req, res) => middleware(req, res, next);
}

/**
 * Cross-origin access, decided by the allowlist `CORS_ORIGINS`. Colyseus answers CORS
 * for every HTTP request itself (preflights included) and by default reflects any
 * `Origin` with `Access-Control-Allow-Credentials: true`: any site could call the API
 * and the matchmaker from a visitor's browser. Its hook is module state, like the rest
 * of the matchmaker, so it is replaced once per process:
 * - an Origin in the allowlist gets `Access-Control-Allow-Origin: <that origin>`, with
 *   credentials, the methods and headers the SDK uses, and `Vary: Origin`;
 * - any other Origin (and the default, an empty allowlist: same origin only) gets no
 *   CORS header at all, so browsers keep other sites' pages out.
 */
export function restrictCors(allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  const controller = matchMaker.controller as {
    DEFAULT_CORS_HEADERS: Record<string, string>;
    getCorsHeaders: (headers: Headers) => Record<string, string>;
  };
  controller.DEFAULT_CORS_HEADERS = {};
  controller.getCorsHeaders = (headers: Headers): Record<string, string> => {
    const origin = headers.get("origin");
    if (!origin || !allowed.has(origin)) return allowed.size > 0 ? { Vary: "Origin" } : {};
    return {
      "Access-Control-Allow-Origin": origin,
      "Access-Control-Allow-Credentials": "true",
      "Access-Control-Allow-Methods": "GET,HEAD,PUT,POST,DELETE",
      "Access-Control-Allow-Headers": "Authorization, Content-Type, Idempotency-Key, X-Holdfast-Signature",
      "Access-Control-Max-Age": "600",
      Vary: "Origin",
    };
  };
}
