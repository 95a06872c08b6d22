#!/usr/bin/env node
// `npm run build` (also `prepare`, so `npm install`/`npm ci` run it): the browser's SDK
// bundle and the compiled server entry points. Everything a start needs is made here,
// ahead of time, so `npm start` and the image never build or write into the app.
import { buildServer } from "./build-server.mjs";
import { buildWeb } from "./build-web.mjs";

await Promise.all([buildWeb(), buildServer()]);
