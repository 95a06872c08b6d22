/* Wire vocabulary of identity: roles and the shapes of the auth routes. No dependencies. */

export const Role = { ADMIN: "admin", STAFF: "staff" } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Body of `POST /api/auth/guest` (validated by `GuestSignInBody` in `@holdfast/shared/schemas`). */
export interface GuestSignInBody {
  name?: string;
}

export interface GuestSignInResponse {
  userId: string;
  name: string;
  token: string;
  sessionId: string;
  expiresAt: string;
}

export interface SessionResponse {
  userId: string;
  name: string;
  roles: string[];
  sessionId: string;
  expiresAt: string;
  /** Where this lookup was answered: the session cache or the database. */
  source: "cache" | "database";
}
