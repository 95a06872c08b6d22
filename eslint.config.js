// Flat config: typescript-eslint's recommended rules over every workspace.
import js from "@eslint/js";
import tseslint from "typescript-eslint";

export default tseslint.config(
  { ignores: ["node_modules/", "**/dist/", ".tools/", ".data/", "server/public/build/", "test-results/", "client-sdk/docs/api/", "examples/browser/app.js"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: { process: "readonly", console: "readonly", setTimeout: "readonly", clearTimeout: "readonly", setInterval: "readonly", clearInterval: "readonly", Buffer: "readonly", URL: "readonly", fetch: "readonly", WebSocket: "readonly", AbortController: "readonly", structuredClone: "readonly", setImmediate: "readonly", performance: "readonly", localStorage: "readonly", window: "readonly", document: "readonly" },
    },
    rules: {
      "@typescript-eslint/no-explicit-any": "off",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrors: "none" }],
    },
  },
  {
    // CommonJS config files (dependency-cruiser reads .cjs).
    files: ["**/*.cjs"],
    languageOptions: { sourceType: "commonjs", globals: { module: "writable", require: "readonly" } },
  },
  {
    // The web app and the example page run in browsers.
    files: ["web/src/**/*.{ts,tsx}", "examples/browser/**/*.js"],
    languageOptions: {
      globals: { location: "readonly", URLSearchParams: "readonly", HTMLElement: "readonly", HTMLButtonElement: "readonly", HTMLInputElement: "readonly", Intl: "readonly", sessionStorage: "readonly", localStorage: "readonly", document: "readonly", window: "readonly" },
    },
  },
);
