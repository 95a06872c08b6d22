#!/usr/bin/env node
// Bundles the client SDK for the browser (esbuild, ESM, no CDN) into
// server/public/build/holdfast-sdk.js, which the demo page imports. `npm run build`
// runs it (and `npm install` runs that, as `prepare`; so does the image build); the
// browser tests run it before they start a server. `npm start` does not: a running
// server never writes into the app directory.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

export async function buildWeb() {
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
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
