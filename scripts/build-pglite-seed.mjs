#!/usr/bin/env node
// Makes server/dist/pglite-seed.tar.gz: an empty, initialised PGlite data directory.
// Creating one (initdb in WebAssembly) is most of an embedded first start (10-20 s on a
// busy machine); a fresh DATA_DIR unpacks this instead (server/src/db/database.ts).
// Made by the same @electric-sql/pglite the server runs, so the format always matches.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const PGLITE_SEED = path.join(root, "server/dist/pglite-seed.tar.gz");

export async function buildPgliteSeed() {
  const started = Date.now();
  const { PGlite } = await import("@electric-sql/pglite");
  const db = await PGlite.create();
  const tarball = await db.dumpDataDir("gzip");
  await db.close();
  mkdirSync(path.dirname(PGLITE_SEED), { recursive: true });
  writeFileSync(PGLITE_SEED, Buffer.from(await tarball.arrayBuffer()));
  console.log(`pglite: built server/dist/pglite-seed.tar.gz in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildPgliteSeed();
}
