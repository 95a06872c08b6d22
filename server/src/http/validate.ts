import type { z } from "zod";
import { validationError } from "../errors.ts";

/** Parses `value` with `schema` or throws VALIDATION_FAILED naming the first bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = "request body"): z.infer<S> {
  const result = schema.safeParse(value ?? {});
  if (!result.success) throw validationError(result.error.issues, what);
  return result.data;
}
