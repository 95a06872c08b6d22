#!/usr/bin/env node
// `npm run build` (also `prepare`, so `npm install`/`npm ci` run it): the browser's SDK
// bundle, the compiled server entry points, and the embedded database's seed. Everything
// a start needs is made here, ahead of time, so `npm start` and the image never build or
// write into the app.
import { existsSync } from "node:fs";
import { buildPgliteSeed, PGLITE_SEED } from "./build-pglite-seed.mjs";
import { buildServer } from "./build-server.mjs";
import { buildWeb } from "./build-web.mjs";

await Promise.all([buildWeb(), buildServer()]);
// The seed depends only on the PGlite version: made once (HOLDFAST_REBUILD_SEED=1 forces).
if (!existsSync(PGLITE_SEED) || process.env.HOLDFAST_REBUILD_SEED === "1") await buildPgliteSeed();
