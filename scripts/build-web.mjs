#!/usr/bin/env node
// Bundles the browser code with esbuild (ESM, no CDN) into server/public/build/:
// - app.js + app.css: the web app (web/src, Preact), which index.html loads;
// - holdfast-sdk.js: the client SDK alone, for pages that bring their own UI.
// `npm run build` runs it (and `npm install` runs that, as `prepare`; so does the image
// build); the browser tests run it before they start a server. `npm start` does not: a
// running server never writes into the app directory.
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outdir = path.join(root, "server/public/build");

const common = {
  // Workspace packages resolve to their sources (`holdfast-source` export condition).
  conditions: ["holdfast-source"],
  bundle: true,
  format: "esm",
  platform: "browser",
  target: "es2022",
  sourcemap: true,
  minify: true,
  logLevel: "warning",
  legalComments: "none",
};

export async function buildWeb() {
  const started = Date.now();
  await Promise.all([
    build({ ...common, entryPoints: [path.join(root, "client-sdk/src/index.ts")], outfile: path.join(outdir, "holdfast-sdk.js") }),
    build({
      ...common,
      entryPoints: { app: path.join(root, "web/src/main.tsx") },
      outdir,
      jsx: "automatic",
      jsxImportSource: "preact",
    }),
  ]);
  console.log(`web: built server/public/build/{app.js,app.css,holdfast-sdk.js} in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildWeb();
}
