import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
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
 *   same-origin, HSTS (ignored by browsers over plain http). helmet's headers for
 *   browsers and plugins long gone are left out.
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
    // Headers for browsers and plugins long gone (IE8 downloads, Flash, the XSS auditor):
    // each costs a setHeader on every response, the holds hot path included.
    xDownloadOptions: false,
    xPermittedCrossDomainPolicies: false,
    xXssProtection: false,
    xDnsPrefetchControl: false,
    originAgentCluster: false,
  });
  // With this configuration (no nonces) helmet's headers are the same on every response:
  // take them once from a scratch response and set the list per request (about a tenth
  // of running helmet each time, which matters on the holds hot path).
  const scratch = new ServerResponse(new IncomingMessage(new Socket()));
  middleware(scratch.req, scratch, () => undefined);
  const headers = Object.entries(scratch.getHeaders()).map(([name, value]) => [name, String(value)] as const);
  return (_req, res) => {
    for (const [name, value] of headers) res.setHeader(name, value);
  };
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
