/**
 * `npm start` (and the image's `node server/dist/main.mjs`): one Holdfast node. Reads the
 * environment (a bad value stops here with one line), starts the app, and on
 * SIGTERM/SIGINT drains (tables hand over, clients get 4503) and exits 0, or 1 when
 * the drain overran its 15 s bound.
 */
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`holdfast: Node 22 or newer is required (this is ${process.version})`);
  process.exit(1);
}

const { ConfigError, loadConfig } = await import("./config.ts");
const { startApp } = await import("./app.ts");
const { createLogger } = await import("./logger.ts");
const { UnreachableServiceError } = await import("./unreachable-service.ts");

/** How long a drain may take before the process exits anyway (compose waits longer). */
const SHUTDOWN_BOUND_MS = 15_000;

let config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`holdfast: ${err.message}`);
    process.exit(1);
  }
  throw err;
}

const logger = createLogger(config.logLevel, {}, config.logFormat);
if (config.jwtSecretGenerated) {
  logger.warn("JWT_SECRET is not set: using a random secret for this process (tokens die with it)");
}
if (config.redis && !config.publicAddress) {
  logger.warn(
    `${config.redis.kind === "cluster" ? "REDIS_CLUSTER_NODES" : "REDIS_URL"} is set without PUBLIC_ADDRESS: other nodes cannot send clients to rooms on this node ` +
      "(their joins fail with 'seat reservation expired'); set PUBLIC_ADDRESS to this node's host:port as clients reach it",
  );
}

let stopping = false;
let app: Awaited<ReturnType<typeof startApp>> | undefined;
// Handlers before the start: a SIGTERM while starting (the listening line is printed
// before startApp returns, and tables may already be restored) drains once the app is
// up instead of killing it mid-way; a second signal exits at once (a start that hangs).
let signalledWhileStarting: string | undefined;
const onSignal = (signal: string) => {
  if (app) return void shutdown(signal);
  if (signalledWhileStarting) process.exit(1);
  signalledWhileStarting = signal;
  logger.info({ signal }, "stopping once started (signal again to exit now)");
};
process.on("SIGTERM", () => onSignal("SIGTERM"));
process.on("SIGINT", () => onSignal("SIGINT"));
try {
  app = await startApp(config, { logger });
} catch (err) {
  if (err instanceof UnreachableServiceError) {
    // One line an operator can act on; the stack would only say where we noticed.
    logger.fatal(`holdfast: ${err.message}`);
  } else {
    logger.fatal({ err }, "could not start");
  }
  process.exit(1);
}
if (signalledWhileStarting) void shutdown(signalledWhileStarting);

async function shutdown(signal: string): Promise<void> {
  if (stopping || !app) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  const forced = setTimeout(() => {
    logger.error(`shutdown took longer than ${SHUTDOWN_BOUND_MS / 1000} s; exiting`);
    process.exit(1);
  }, SHUTDOWN_BOUND_MS);
  forced.unref();
  void app.drain();
  await app.close();
  logger.info("stopped");
  process.exit(0);
}
