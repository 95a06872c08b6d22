/**
 * Dependency rules of the repository, checked by `npm run boundaries` (part of
 * `npm run check`). docs/architecture.md explains the layers these rules keep apart.
 *
 *   shared/      wire vocabulary: imports nothing of Holdfast
 *   client-sdk/  imports shared/ only (never server, tools or tests)
 *   server/src/  kernel (config, errors, error-boundary, logger, metrics, db/, redis/)
 *                < http/ (front door, validation, rate limits)
 *                < rooms/ (base room, room errors, matchmaker route)
 *                < domain folders (tables, holds, sales, orders, inventory, identity,
 *                  continuity, feed) < operator/, demo/ (they serve across domains)
 *                < composition root (app.ts, main.ts, commerce.ts)
 *                (jobs/, leases and repeaters on the Redis script layer, sits with the kernel)
 *   tools/, test/  may import everything above; nothing imports them
 *
 * Cycles are forbidden between modules and between the server's folders.
 */

/** The server's domain folders. */
const DOMAINS = ["tables", "holds", "sales", "orders", "inventory", "identity", "continuity", "feed"];
const DOMAIN = `^server/src/(${DOMAINS.join("|")})/`;
/** Folders that serve people across domains (operator API, demo-only routes): above the domains. */
const ACROSS_DOMAINS = ["operator", "demo"];
/** Modules that assemble the app from its parts; only main.ts and tools/tests use them. */
const COMPOSITION_ROOT = "^server/src/(app|main|commerce)\\.ts$";
/** A domain's Colyseus room adapter: the only files of a domain that build on rooms/. */
const ROOM_ADAPTER = "(-room|-room-deps|command-replies)\\.ts$";

/*
 * Exceptions: none today. A change that has to land before the cycle or edge it closes
 * is broken lists it here, with a comment naming what removes it, and empties the list
 * when that lands:
 * - TEMPORARY_FOLDER_CYCLE_EDGES: folder-to-folder edges the folder-cycle rule skips
 *   (exactly these edges; a new cycle anywhere still fails), e.g. ["tables", "continuity"];
 * - TEMPORARY_UNCHECKED_FILES: files left out of the check altogether;
 * - TEMPORARY_MODULE_CYCLE_FILES: files whose module cycles are tolerated;
 * - TEMPORARY_SALES_EXCEPTIONS: domain files allowed to import the composition root
 *   (`composition`) or another domain's room adapter (`roomAdapter`).
 */
const TEMPORARY_FOLDER_CYCLE_EDGES = [];
const TEMPORARY_UNCHECKED_FILES = [];
const TEMPORARY_MODULE_CYCLE_FILES = [];
const TEMPORARY_SALES_EXCEPTIONS = { composition: [], roomAdapter: [] };

/** A regex matching any of `files` exactly; undefined (no exception) for none. */
const anyOf = (files) => (files.length ? `^(${files.map((f) => f.replaceAll(".", "\\.")).join("|")})$` : undefined);

const foldersWithExceptions = [...new Set(TEMPORARY_FOLDER_CYCLE_EDGES.map(([from]) => from))];

/** One folder-cycle rule for the folders without exceptions, one per folder with them. */
const folderCycleRules = [
  {
    name: "no-folder-cycle",
    comment: "Two server folders must not depend on each other, directly or around a loop.",
    severity: "error",
    scope: "folder",
    from: { path: "^server/src", pathNot: anyOf(foldersWithExceptions.map((f) => `server/src/${f}`)) },
    to: { circular: true },
  },
  ...foldersWithExceptions.map((from) => ({
    name: "no-folder-cycle",
    comment: `As above; TEMPORARY exceptions for server/src/${from} (see TEMPORARY_FOLDER_CYCLE_EDGES).`,
    severity: "error",
    scope: "folder",
    from: { path: `^server/src/${from}$` },
    to: {
      circular: true,
      pathNot: `^server/src/(${TEMPORARY_FOLDER_CYCLE_EDGES.filter(([f]) => f === from)
        .map(([, to]) => to)
        .join("|")})$`,
    },
  })),
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: "no-circular",
      comment: "No module may reach itself through its imports (type-only imports count).",
      severity: "error",
      from: { pathNot: anyOf(TEMPORARY_MODULE_CYCLE_FILES) },
      to: { circular: true },
    },
    ...folderCycleRules,
    {
      name: "domain-not-composition-root",
      comment: "Domains get their dependencies passed in; they never import the modules that assemble the app.",
      severity: "error",
      from: { path: DOMAIN, pathNot: anyOf(TEMPORARY_SALES_EXCEPTIONS.composition) },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: "domains-not-across-domains",
      comment: "The operator API and the demo routes build on the domains, never the other way round.",
      severity: "error",
      from: { path: DOMAIN },
      to: { path: `^server/src/(${ACROSS_DOMAINS.join("|")})/` },
    },
    {
      name: "nothing-imports-main",
      comment: "main.ts is the process entry point; nothing builds on it.",
      severity: "error",
      from: { pathNot: "^server/src/main\\.ts$" },
      to: { path: "^server/src/main\\.ts$" },
    },
    {
      name: "rooms-not-domains",
      comment:
        "rooms/ is the Colyseus plumbing the domains' rooms build on (base room, room errors, matchmaker route). " +
        "It may know who is signed in (identity/), nothing of tables, sales, feeds or commerce.",
      severity: "error",
      from: { path: "^server/src/rooms/" },
      to: { path: `^server/src/(${[...DOMAINS.filter((d) => d !== "identity"), ...ACROSS_DOMAINS].join("|")})/` },
    },
    {
      name: "domain-core-framework-free-of-rooms",
      comment:
        "Within a domain, only its room adapter (*-room.ts, *-room-deps.ts, command-replies.ts) builds on rooms/; " +
        "the rest (deciders, models, services) stays free of the room plumbing.",
      severity: "error",
      from: { path: DOMAIN, pathNot: ROOM_ADAPTER },
      to: { path: "^server/src/rooms/" },
    },
    {
      name: "no-other-domains-room-adapter",
      comment: "A domain does not build on another domain's room: shared room plumbing belongs in rooms/.",
      severity: "error",
      from: { path: DOMAIN, pathNot: anyOf(TEMPORARY_SALES_EXCEPTIONS.roomAdapter) },
      to: { path: `^server/src/(${DOMAINS.join("|")})/[^/]*${ROOM_ADAPTER}`, pathNot: "^server/src/$1/" },
    },
    {
      name: "http-plumbing-not-above-it",
      comment: "http/ is plumbing every route uses: it imports neither rooms/, nor domains, nor the composition root.",
      severity: "error",
      from: { path: "^server/src/http/" },
      to: { path: `^server/src/(rooms/|${[...DOMAINS, ...ACROSS_DOMAINS].join("/|")}/|(app|main|commerce)\\.ts$)` },
    },
    {
      name: "server-not-tools-or-tests",
      comment: "The server ships alone: it never imports the load/bench tools or the tests.",
      severity: "error",
      from: { path: "^server/" },
      to: { path: "^(tools|test)/" },
    },
    {
      name: "server-not-client-sdk",
      comment: "The server speaks the wire vocabulary in shared/, not the SDK's classes.",
      severity: "error",
      from: { path: "^server/" },
      to: { path: "^client-sdk/" },
    },
    {
      name: "shared-imports-only-shared",
      comment: "shared/ is the wire vocabulary: it imports nothing of Holdfast outside itself.",
      severity: "error",
      from: { path: "^shared/" },
      to: { pathNot: "^(shared/|node_modules/)", dependencyTypesNot: ["core"] },
    },
    {
      name: "shared-vocabulary-dependency-free",
      comment: "@holdfast/shared (constants and types) has no packages; only @holdfast/shared/schemas uses zod.",
      severity: "error",
      from: { path: "^shared/src/", pathNot: "^shared/src/schemas/" },
      to: { path: "^node_modules/" },
    },
    {
      name: "client-sdk-not-server",
      comment: "The SDK runs in browsers: it imports shared/ and npm packages, never server, tools or tests.",
      severity: "error",
      from: { path: "^client-sdk/src/" },
      to: { path: "^(server|tools|test)/" },
    },
    {
      name: "web-not-server",
      comment: "The web app runs in browsers and talks to the server through the SDK and HTTP.",
      severity: "error",
      from: { path: "^web/" },
      to: { path: "^(server|tools|test)/" },
    },
    {
      name: "nothing-imports-tests-or-tools",
      comment:
        "tools/ and test/ are leaves: only tests import tools (their load scenarios), and only the tier runner " +
        "(scripts/test-tier.ts) reads the tests' tier list.",
      severity: "error",
      from: { pathNot: "^(tools|test)/|^scripts/test-tier\\.ts$" },
      to: { path: "^(tools|test)/" },
    },
    {
      name: "tools-not-tests",
      comment: "The tools run without the test suite.",
      severity: "error",
      from: { path: "^tools/" },
      to: { path: "^test/" },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: {
      path: ["(^|/)dist/|^server/public/build/|^client-sdk/docs/", ...TEMPORARY_UNCHECKED_FILES.map((f) => `^${f.replaceAll(".", "\\.")}$`)],
    },
    tsConfig: { fileName: "tsconfig.json" },
    // Type-only imports are dependencies too (a cycle through types is still a cycle).
    tsPreCompilationDeps: true,
    // Workspace packages resolve to their TypeScript sources, as tsx and tsc see them.
    enhancedResolveOptions: {
      conditionNames: ["holdfast-source", "import", "node", "default"],
      exportsFields: ["exports"],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
