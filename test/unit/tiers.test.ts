/**
 * Every test file is in exactly one tier (test/tiers.ts), and every rule naming one file
 * still decides that file (a rule left behind by a moved or deleted test would hide
 * nothing, but would mislead the next reader).
 */
import assert from "node:assert/strict";
import { allTestFiles, filesOf, ruleOf, TIER_NAMES, TIER_RULES } from "../tiers.ts";

describe("test tiers", () => {
  const files = allTestFiles();

  it("finds the test files", () => {
    assert.ok(files.length > 50, `only ${files.length} test files found`);
    assert.ok(files.includes("test/unit/tiers.test.ts"));
  });

  it("puts every test file in a tier", () => {
    const unassigned = files.filter((f) => ruleOf(f) < 0);
    assert.deepEqual(unassigned, [], "add these to a rule in test/tiers.ts");
  });

  it("puts every test file in exactly one tier", () => {
    const perTier = TIER_NAMES.map((t) => filesOf([t], files).files);
    const all = perTier.flat();
    assert.equal(all.length, files.length);
    assert.equal(new Set(all).size, files.length);
  });

  it("has no file rule that decides nothing (a moved or deleted test, or a rule above it that takes the file)", () => {
    const used = new Set(files.map(ruleOf));
    // Folder defaults (globs) may wait for their first file; a named file must be decided by its rule.
    const unused = TIER_RULES.filter(([glob], i) => !glob.includes("*") && !used.has(i)).map(([glob]) => glob);
    assert.deepEqual(unused, [], "remove these rules from test/tiers.ts (or fix their globs)");
  });

  it("keeps the browser and load tiers out of the unit tier", () => {
    const unit = filesOf(["unit"], files).files;
    assert.ok(!unit.some((f) => f.startsWith("test/browser/")));
    assert.ok(unit.includes("test/unit/tiers.test.ts"));
  });
});
