/**
 * `true` only when A and B are the same type. The schemas state each dependency-free
 * shape of `@holdfast/shared` a second time (as zod); `const x: Same<Inferred, Shape> = true`
 * makes the typecheck fail the moment the two drift apart.
 */
export type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
