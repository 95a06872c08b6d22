// Builds the published package: ESM JavaScript, bundled .d.ts and source maps in dist/.
// `@holdfast/shared` is private, so what the SDK uses of it (constants, types) is bundled
// in; `@colyseus/sdk` stays a dependency, resolved by the user's Node or bundler.
import { defineConfig } from "tsup";

export default defineConfig({
  entry: { index: "src/index.ts", node: "src/node.ts" },
  format: ["esm"],
  target: "es2022",
  platform: "neutral",
  outDir: "dist",
  clean: true,
  sourcemap: true,
  treeshake: true,
  splitting: false,
  noExternal: ["@holdfast/shared"],
  external: ["@colyseus/sdk", /^node:/],
  dts: true,
  tsconfig: "tsconfig.build.json",
});
