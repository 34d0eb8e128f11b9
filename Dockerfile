# One image for every command of the package's command line (worker, callbacks, emulator, ...):
# compiled TypeScript on Node 20, production dependencies only. Compose picks the command per service.
# Temporal binaries are for local development and tests; containers talk to a Temporal server.
# No HEALTHCHECK here: only the callback receiver serves HTTP, so each service declares its own.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV TEMPORAL_SKIP_BINARY_INSTALL=1
# What `npm ci` needs, its postprepare script included (which installs nothing here), before the rest of
# the source so that the dependency layer survives source changes.
COPY package.json package-lock.json ./
COPY scripts/postprepare.mjs ./scripts/
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle-workflows.mjs ./scripts/
COPY src ./src
# Compiles to lib/ with the prebuilt workflow bundle, so that a worker starts without bundling.
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TEMPORAL_SKIP_BINARY_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts/postprepare.mjs ./scripts/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=build /app/lib ./lib
USER node
ENTRYPOINT ["node", "lib/src/cli/main.js"]
CMD ["worker"]
