/** What the operator commands (`npm run migrate`, `npm run token`) share. */
import { ConfigError, loadConfig, type Config } from "../config.ts";

/** Prints `holdfast <command>: <message>` on stderr and exits 1. */
export function fail(command: string, message: string): never {
  console.error(`holdfast ${command}: ${message}`);
  process.exit(1);
}

/** The configuration from the environment; a configuration error ends the command. */
export function loadConfigOrExit(command: string): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(command, err.message);
    throw err;
  }
}
