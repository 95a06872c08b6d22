import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { spawnServer, type ServerProcess } from "../support/server-process.ts";

const run = promisify(execFile);

/** `npm run smoke` against a real server: every step passes and is printed on its own line. */
describe("smoke command", function () {
  this.timeout(60_000);
  let server: ServerProcess;
  before(async () => {
    server = await spawnServer();
  });
  after(async () => {
    await server?.stop();
  });

  it("passes every step against a running node", async () => {
    const { stdout } = await run(process.execPath, ["--conditions=holdfast-source", "--import", "tsx", "tools/src/cli/smoke.ts", "--url", server.url]);
    const lines = stdout.trim().split("\n");
    for (const name of ["healthz", "readyz", "guest sign-in", "join demo-holdem", "sit", "hold 1 ramen", "order", "feed event", "stand", "logout"]) {
      assert.ok(lines.some((l) => l.startsWith("ok") && l.includes(name)), `step ${name} passed:\n${stdout}`);
    }
    assert.equal(lines.at(-1), "smoke: all steps passed");
  });

  it("fails with a non-zero exit when the node is unreachable", async () => {
    await assert.rejects(run(process.execPath, ["--conditions=holdfast-source", "--import", "tsx", "tools/src/cli/smoke.ts", "--url", "http://127.0.0.1:9", "--timeout", "2"]), (err: { code?: number; stdout?: string }) => {
      return err.code === 1 && /FAIL healthz/.test(err.stdout ?? "");
    });
  });
});
