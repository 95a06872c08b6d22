export * from "./errors.ts";
export * from "./close-codes.ts";
export * from "./identity.ts";
export * from "./tables.ts";
export * from "./commerce.ts";
export * from "./sales.ts";
export * from "./packed-events.ts";
