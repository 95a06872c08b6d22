import type http from "node:http";
import { matchMaker } from "@colyseus/core";
import { ErrorCode } from "@holdfast/shared";
import { AppError } from "../errors.ts";
import { sendMatchmakeError } from "./matchmake-route.ts";
import type { RateLimits } from "../http/rate-limits.ts";

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** Matchmaker methods clients may call. No `create`: see `guardMatchmaking`. */
export const CLIENT_MATCHMAKE_METHODS = ["joinOrCreate", "join", "joinById", "reconnect"];

/**
 * Limits in front of Colyseus's `POST /matchmake/:method/:room`. Colyseus answers that
 * route from its own HTTP listener, ahead of express, so the `/api` middleware never sees
 * it; this wraps the server's request listeners instead (call it after `listen`).
 *
 * - `create` is refused (403): a client would otherwise make a new room per call (a new
 *   ping, sale or feed room each time, bypassing `filterBy`). Rooms come into being through
 *   `joinOrCreate`, which opens one only when none fits (a table room only for an
 *   existing table, a sale room only for an existing sale, a feed room only for
 *   authorised topics: each room's onAuth/onCreate checks).
 * - Every matchmake call is charged per client IP (RATE_LIMITS `matchmake`) and per
 *   signed-in user (`matchmakeUser`); over it the answer is 429 RATE_LIMITED with
 *   Retry-After, in the contract's error shape.
 */
export function guardMatchmaking(server: http.Server, o: { limits: RateLimits; userOf: (token: string) => string | undefined }): void {
  matchMaker.controller.exposedMethods = [...CLIENT_MATCHMAKE_METHODS];
  const inner = server.listeners("request") as RequestListener[];
  server.removeAllListeners("request");
  const forward: RequestListener = (req, res) => {
    for (const listener of inner) listener.call(server, req, res);
  };
  server.on("request", (req: http.IncomingMessage, res: http.ServerResponse) => {
    const method = req.method === "POST" ? matchmakeMethod(req.url) : undefined;
    if (method === undefined) return forward(req, res);
    void refusal(req, method, o).then(
      (err) => (err ? refuse(res, err) : forward(req, res)),
      () => forward(req, res),
    );
  });
}

/** `joinOrCreate` for `/matchmake/joinOrCreate/table?x`, undefined for any other path. */
function matchmakeMethod(url: string | undefined): string | undefined {
  const match = /^\/matchmake\/([^/?]+)\//.exec(url ?? "");
  return match?.[1];
}

async function refusal(
  req: http.IncomingMessage,
  method: string,
  o: { limits: RateLimits; userOf: (token: string) => string | undefined },
): Promise<AppError | null> {
  if (method === "create") {
    return new AppError(ErrorCode.FORBIDDEN, "rooms are not created on request: join with joinOrCreate");
  }
  const ip = clientIp(req);
  const byIp = await o.limits.check("matchmake", ip);
  if (byIp) return byIp;
  const auth = req.headers.authorization;
  const userId = auth?.startsWith("Bearer ") ? o.userOf(auth.slice(7).trim()) : undefined;
  return userId ? o.limits.check("matchmakeUser", userId) : null;
}

/**
 * The caller's address as express sees it with `trust proxy: loopback` (the app's
 * setting): a proxy on this machine may name the client in X-Forwarded-For.
 */
function clientIp(req: http.IncomingMessage): string {
  const remote = req.socket.remoteAddress ?? "unknown";
  if (!isLoopback(remote)) return remote;
  const header = req.headers["x-forwarded-for"];
  const hops = (Array.isArray(header) ? header.join(",") : (header ?? "")).split(",").map((h) => h.trim()).filter(Boolean);
  for (let i = hops.length - 1; i >= 0; i--) if (!isLoopback(hops[i])) return hops[i];
  return remote;
}

function isLoopback(address: string): boolean {
  return address === "::1" || address.startsWith("127.") || address.startsWith("::ffff:127.");
}

/** The matchmaker's error shape (with the "CODE: message" the Colyseus SDK reads). */
function refuse(res: http.ServerResponse, err: AppError): void {
  sendMatchmakeError(res, err);
}
