# One image for every PlexMCP service; docker-compose.yml picks the service with `working_dir`
# and `command`. Build from the repository root: docker build -t plexmcp .
FROM node:20-bookworm-slim AS build
ENV TURBO_TELEMETRY_DISABLED=1 CI=true
RUN npm i -g pnpm@12.4.2
WORKDIR /app
COPY . .
RUN pnpm install --frozen-lockfile
RUN pnpm run build

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build --chown=node:node /app /app
USER node
# Overridden per service in docker-compose.yml.
WORKDIR /app/apps/api-gateway
CMD ["node", "--max-semi-space-size=32", "dist/main.js"]
