# One Holdfast node. docker-compose.yml runs two of these behind Redis and Postgres.
# Dependencies are installed at build time (not by each container at start), so two
# nodes never race on one node_modules.
FROM node:24-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production

# The workspace manifests first, so that code edits do not re-run npm ci.
COPY package.json package-lock.json ./
COPY shared/package.json shared/
COPY server/package.json server/
COPY client-sdk/package.json client-sdk/
RUN npm ci --omit=dev --no-audit --no-fund

COPY . .
EXPOSE 2567
USER node
# The app runs TypeScript through tsx (a runtime dependency); `npm start` does that.
CMD ["npm", "start"]
