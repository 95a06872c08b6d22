import type { Client as ColyseusClient } from "@colyseus/sdk";

/**
 * What a sub-client (`client.sales`) needs of the client: the server's base URL, the
 * Colyseus client, and the signed-in session. Sub-clients get this, not the whole
 * `HoldfastClient`, so they do not depend on the module that composes them.
 */
export interface ClientContext {
  readonly url: string;
  readonly colyseus: ColyseusClient;
  readonly auth: SignedInSession;
}

/** The signed-in session as sub-clients see it (`AuthApi` is one). */
export interface SignedInSession {
  readonly session: { readonly userId: string } | null;
  /** The access token; throws UNAUTHORIZED when nobody is signed in. */
  requireToken(): string;
}
