/**
 * Preloaded (`node --expose-gc --import heap-probe.mjs ...`) into the servers that
 * `npm run bench -- tables` measures, so it can read what only the process itself knows.
 * On SIGUSR2 it collects garbage, then prints one line
 *   `bench-probe {"heapUsed":..,"rss":..,"lagP99Ms":..,"lagMaxMs":..}`
 * with the event-loop delay since the previous probe (the histogram restarts).
 * Plain JavaScript: it loads before tsx.
 */
import { monitorEventLoopDelay } from "node:perf_hooks";

const lag = monitorEventLoopDelay({ resolution: 10 });
lag.enable();
process.on("SIGUSR2", () => {
  globalThis.gc?.();
  globalThis.gc?.();
  const m = process.memoryUsage();
  const line = {
    heapUsed: m.heapUsed,
    rss: m.rss,
    external: m.external,
    lagP99Ms: lag.count ? lag.percentile(99) / 1e6 : 0,
    lagMaxMs: lag.count ? lag.max / 1e6 : 0,
  };
  lag.reset();
  process.stdout.write(`bench-probe ${JSON.stringify(line)}\n`);
});
