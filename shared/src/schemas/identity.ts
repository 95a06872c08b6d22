import { z } from "zod";
import type { GuestSignInBody as GuestSignInBodyShape } from "../identity.ts";
import type { Same } from "./same.ts";

/** Body of `POST /api/auth/guest`. */
export const GuestSignInBody = z
  .object({ name: z.string().trim().min(1).max(40).optional() })
  .strict();
export type GuestSignInBody = z.infer<typeof GuestSignInBody>;
export const guestSignInBodyMatches: Same<GuestSignInBody, GuestSignInBodyShape> = true;
