#!/usr/bin/env node
// Bundles the client SDK for the browser (esbuild, ESM, no CDN) into
// server/public/build/holdfast-sdk.js, which the demo page imports. `npm start` runs it
// first (prestart), and the browser tests run it before they start a server.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const started = Date.now();
await build({
  entryPoints: [path.join(root, "client-sdk/src/index.ts")],
  // Workspace packages resolve to their sources (`holdfast-source` export condition).
  conditions: ["holdfast-source"],
  outfile: path.join(root, "server/public/build/holdfast-sdk.js"),
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: true,
  logLevel: "warning",
  legalComments: "none",
});
console.log(`web: built server/public/build/holdfast-sdk.js in ${Date.now() - started} ms`);
