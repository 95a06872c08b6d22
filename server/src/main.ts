/**
 * `npm start`: one Holdfast node. Reads the environment (a bad value stops here with
 * one line), starts the app, and shuts down on SIGTERM/SIGINT.
 */
const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  console.error(`holdfast: Node 22 or newer is required (this is ${process.version})`);
  process.exit(1);
}

const { ConfigError, loadConfig } = await import("./config.ts");
const { startApp } = await import("./app.ts");
const { createLogger } = await import("./logger.ts");

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

const logger = createLogger(config.logLevel);
if (config.jwtSecretGenerated) {
  logger.warn("JWT_SECRET is not set: using a random secret for this process (tokens die with it)");
}
const app = await startApp(config, { logger }).catch((err: unknown) => {
  logger.fatal({ err }, "could not start");
  process.exit(1);
});

let stopping = false;
async function shutdown(signal: string): Promise<void> {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "shutting down");
  app.drain();
  const forced = setTimeout(() => {
    logger.error("shutdown took too long; exiting");
    process.exit(1);
  }, 15_000);
  forced.unref();
  await app.close();
  process.exit(0);
}
process.on("SIGTERM", () => void shutdown("SIGTERM"));
process.on("SIGINT", () => void shutdown("SIGINT"));
