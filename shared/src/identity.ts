import { z } from "zod";

export const Role = { ADMIN: "admin", STAFF: "staff" } as const;
export type Role = (typeof Role)[keyof typeof Role];

/** Body of `POST /api/auth/guest`. */
export const GuestSignInBody = z
  .object({ name: z.string().trim().min(1).max(40).optional() })
  .strict();
export type GuestSignInBody = z.infer<typeof GuestSignInBody>;

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
