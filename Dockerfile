# The worker image: compiled TypeScript on Node 20, production dependencies only.
# Temporal binaries are for local development and tests; containers talk to a Temporal server.
FROM node:20-bookworm-slim AS build
WORKDIR /app
ENV TEMPORAL_SKIP_BINARY_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
RUN npm run build

FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production TEMPORAL_SKIP_BINARY_INSTALL=1
COPY package.json package-lock.json ./
COPY scripts ./scripts
COPY src ./src
RUN npm ci --omit=dev --no-audit --no-fund
COPY --from=build /app/lib ./lib
USER node
CMD ["node", "lib/src/worker.js"]
