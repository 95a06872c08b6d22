#!/usr/bin/env node
// Compiles the server's entry points to JavaScript (esbuild, one ESM file each, npm
// packages left as imports) into server/dist/, so production and `npm start` run plain
// Node without tsx (about a second less at start). `npm run build` runs it (with the web
// bundle); `npm install` runs that (prepare), and so does the image build.
//
// Modules find their files (Lua scripts, migrations, public/) from `import.meta.url`;
// in a bundle that would be the bundle's URL, so each module's `import.meta.url` is
// rewritten to its own source file's URL, relative to the bundle.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const OUT_DIR = path.join(root, "server/dist");

/** Source entry (relative to the repo) -> compiled file name in server/dist. */
const ENTRIES = {
  "server/src/main.ts": "main.mjs",
  "server/src/cli/migrate.ts": "migrate.mjs",
};

const inputsFile = (outFile) => `${outFile}.inputs.json`;

/**
 * The compiled file for `entry` when it is newer than every source file it was built
 * from; undefined when there is none or it is stale (then callers run the TypeScript).
 */
export function compiledEntry(entry) {
  if (!entry) return undefined;
  const name = ENTRIES[path.relative(root, path.resolve(entry)).split(path.sep).join("/")];
  if (!name) return undefined;
  const outFile = path.join(OUT_DIR, name);
  try {
    const builtAt = statSync(outFile).mtimeMs;
    const inputs = JSON.parse(readFileSync(inputsFile(outFile), "utf8"));
    for (const input of inputs) if (statSync(path.join(root, input)).mtimeMs > builtAt) return undefined;
    return outFile;
  } catch {
    return undefined; // missing build, or a source file was removed: run the TypeScript
  }
}

/** Bare imports stay imports, except the workspace's own packages (`@holdfast/...`). */
const npmPackagesExternal = {
  name: "npm-packages-external",
  setup(build) {
    build.onResolve({ filter: /^[^./]/ }, (args) => (args.path.startsWith("@holdfast/") ? undefined : { path: args.path, external: true }));
  },
};

/** Rewrites `import.meta.url` in our own sources to the source file's URL. */
const sourceUrlPlugin = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes(`${path.sep}node_modules${path.sep}`)) return undefined;
      const source = readFileSync(args.path, "utf8");
      if (!source.includes("import.meta.url")) return undefined;
      const relative = path.relative(OUT_DIR, args.path).split(path.sep).join("/");
      return {
        contents: source.replaceAll("import.meta.url", `new URL(${JSON.stringify(relative)}, import.meta.url).href`),
        loader: "ts",
        resolveDir: path.dirname(args.path),
      };
    });
  },
};

export async function buildServer() {
  const { build } = await import("esbuild");
  const started = Date.now();
  for (const [entry, name] of Object.entries(ENTRIES)) {
    const outFile = path.join(OUT_DIR, name);
    const result = await build({
      entryPoints: [path.join(root, entry)],
      outfile: outFile,
      bundle: true,
      // npm packages stay imports (resolved from server/node_modules, then the root's);
      // the workspace packages (@holdfast/*, TypeScript sources through their
      // `holdfast-source` condition) are compiled in.
      conditions: ["holdfast-source"],
      platform: "node",
      format: "esm",
      target: "node22",
      absWorkingDir: root,
      tsconfig: path.join(root, "tsconfig.json"),
      sourcemap: "linked",
      metafile: true,
      logLevel: "warning",
      legalComments: "none",
      plugins: [npmPackagesExternal, sourceUrlPlugin],
    });
    const inputs = Object.keys(result.metafile.inputs).map((p) => path.relative(root, path.resolve(root, p)).split(path.sep).join("/"));
    writeFileSync(inputsFile(outFile), JSON.stringify(inputs));
  }
  console.log(`server: built server/dist/{${Object.values(ENTRIES).join(",")}} in ${Date.now() - started} ms`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await buildServer();
}
