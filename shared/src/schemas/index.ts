/**
 * `@holdfast/shared/schemas`: the zod schemas that validate every inbound request body
 * and room message. Server only: clients import the dependency-free constants and types
 * from `@holdfast/shared` (the SDK must not pull zod into browser bundles).
 */
export * from "./identity.ts";
export * from "./tables.ts";
export * from "./commerce.ts";
export * from "./sales.ts";
export type { Same } from "./same.ts";
