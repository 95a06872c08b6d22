import assert from "node:assert/strict";
import { formatSdkSize, measureSdkSize, SDK_SIZE_BUDGET } from "../../tools/src/cli/sdk-size.ts";

describe("SDK size (browser bundle vs @colyseus/sdk alone, built side by side)", function () {
  this.timeout(120_000);

  it(`stays within ${SDK_SIZE_BUDGET}x of @colyseus/sdk gzipped, and bundles no zod`, async () => {
    const report = await measureSdkSize();
    console.log(formatSdkSize(report).replace(/^/gm, "      "));
    assert.ok(report.colyseus.gzipBytes > 10_000, "the baseline bundle is implausibly small");
    assert.ok(report.gzipRatio <= SDK_SIZE_BUDGET, `ratio ${report.gzipRatio.toFixed(2)} > ${SDK_SIZE_BUDGET}`);
    // The split of @holdfast/shared: the SDK uses its constants and types, never the schemas.
    const heavy = report.ours.inputs.filter((p) => /node_modules\/zod\/|shared\/src\/schemas\//.test(p));
    assert.deepEqual(heavy, []);
  });
});
