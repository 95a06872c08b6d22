/**
 * `npm run bench -- sdk-size`: how much the Holdfast SDK weighs in a browser, against
 * `@colyseus/sdk` alone, both bundled side by side in one run with the same esbuild
 * settings (ESM, browser, es2022, minified; gzip level 9).
 *
 * Baseline: `export { Client } from "@colyseus/sdk"`, the least a Colyseus web client
 * ships (the SDK's `Client` and everything it reaches). Ours: the SDK's whole public
 * surface (`export * from` its entry), as an app that imports it gets it before its own
 * tree-shaking. Budget: ours gzipped at most 1.3x the baseline gzipped.
 */
import { gzipSync } from "node:zlib";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

export const SDK_SIZE_BUDGET = 1.3;

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");

export interface BundleSize {
  minBytes: number;
  gzipBytes: number;
  /** The files bundled in (paths relative to the repository). */
  inputs: string[];
}

export interface SdkSizeReport {
  ours: BundleSize;
  colyseus: BundleSize;
  /** ours / colyseus, gzipped (the budgeted figure) and minified. */
  gzipRatio: number;
  minRatio: number;
  budget: number;
  withinBudget: boolean;
}

async function bundleSize(contents: string): Promise<BundleSize> {
  const result = await build({
    stdin: { contents, resolveDir: path.join(ROOT, "client-sdk"), loader: "ts", sourcefile: "entry.ts" },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    write: false,
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
    // The workspace SDK from its sources, as scripts/build-web.mjs bundles it.
    conditions: ["holdfast-source"],
  });
  const bytes = result.outputFiles[0].contents;
  return { minBytes: bytes.length, gzipBytes: gzipSync(bytes, { level: 9 }).length, inputs: Object.keys(result.metafile.inputs) };
}

export async function measureSdkSize(): Promise<SdkSizeReport> {
  const [ours, colyseus] = await Promise.all([
    bundleSize('export * from "@holdfast/client-sdk";'),
    bundleSize('export { Client } from "@colyseus/sdk";'),
  ]);
  const gzipRatio = ours.gzipBytes / colyseus.gzipBytes;
  return {
    ours,
    colyseus,
    gzipRatio,
    minRatio: ours.minBytes / colyseus.minBytes,
    budget: SDK_SIZE_BUDGET,
    withinBudget: gzipRatio <= SDK_SIZE_BUDGET,
  };
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;

export function formatSdkSize(r: SdkSizeReport): string {
  return [
    `@holdfast/client-sdk (browser bundle): ${kb(r.ours.minBytes)} min, ${kb(r.ours.gzipBytes)} gzip`,
    `@colyseus/sdk alone (Client):          ${kb(r.colyseus.minBytes)} min, ${kb(r.colyseus.gzipBytes)} gzip`,
    `ratio: ${r.minRatio.toFixed(2)}x min, ${r.gzipRatio.toFixed(2)}x gzip (budget <= ${r.budget}x gzip): ${r.withinBudget ? "PASS" : "FAIL"}`,
  ].join("\n");
}
