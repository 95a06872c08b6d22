import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "../..");

/** The example files test/sdk/packed-sdk.test.ts runs against a real server. */
const EXECUTED = new Set([
  "examples/table-quickstart.mjs",
  "examples/holdem-bot.mjs",
  "examples/flash-sale-buyer.mjs",
  "examples/browser/main.js",
  "examples/http/try-it.sh",
  "examples/http/admin-token.sh",
  "examples/http/create-sale.sh",
  "examples/http/pay-order.sh",
]);

/** A block that calls the SDK or the HTTP API (and so must be an example that runs). */
const USES_API = /HoldfastClient|from "@holdfast\/client-sdk"|\/api\//;
const MARKER = /^<!-- example: (\S+) .*-->$/;

interface Block {
  file: string;
  line: number;
  body: string;
  example: string | null;
}

function blocks(file: string): Block[] {
  const text = readFileSync(path.join(ROOT, file), "utf8");
  const out: Block[] = [];
  const fence = /^```[^\n]*\n([\s\S]*?)^```$/gm;
  for (const m of text.matchAll(fence)) {
    const before = text.slice(0, m.index).trimEnd().split("\n");
    const marker = MARKER.exec(before[before.length - 1] ?? "");
    out.push({ file, line: before.length + 1, body: m[1], example: marker?.[1] ?? null });
  }
  return out;
}

/**
 * Docs examples are files in examples/ that the suite runs (packed-sdk.test.ts); the
 * docs quote them. This keeps the quotes exact and catches a new SDK or HTTP example
 * written straight into a doc, where nothing would run it.
 */
describe("code examples in README.md, client-sdk/README.md and docs/", () => {
  const docs = ["README.md", "client-sdk/README.md", ...readdirSync(path.join(ROOT, "docs")).filter((f) => f.endsWith(".md")).map((f) => `docs/${f}`)];
  const all = docs.flatMap(blocks);

  it("every block that uses the SDK or the HTTP API quotes an example file the suite runs", () => {
    const loose = all.filter((b) => b.example === null && USES_API.test(b.body)).map((b) => `${b.file}:${b.line}`);
    assert.deepEqual(loose, [], "put these in examples/ (run by packed-sdk.test.ts) and quote them with an example marker");
    const quoted = all.filter((b) => b.example !== null);
    for (const b of quoted) assert.ok(EXECUTED.has(b.example!), `${b.file}:${b.line} quotes ${b.example}, which no test runs`);
    console.log(`      ${quoted.length} doc blocks quote ${new Set(quoted.map((b) => b.example)).size} example files, all run against a real server`);
    assert.ok(quoted.length >= EXECUTED.size);
  });

  it("each quote equals its file", () => {
    for (const b of all.filter((x) => x.example !== null)) {
      const file = path.join(ROOT, b.example!);
      assert.ok(existsSync(file), `${b.file}:${b.line}: ${b.example} does not exist`);
      assert.equal(b.body, readFileSync(file, "utf8"), `${b.file}:${b.line} differs from ${b.example}`);
    }
  });
});
