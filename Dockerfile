# The OpenCIS application image: one image for the migrate, worker and API services of
# docker-compose.yml, which pick the entry point with their command. TypeScript runs through tsx,
# exactly as in development, so there is no separate build output to drift from the source.

# --- dependencies and the generated Prisma client -------------------------------------------------
# Its own stage so the cache survives source edits: it is rebuilt only when the lockfile or the
# schema changes.
FROM node:20-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
# Exactly the locked versions; no dev dependencies (tsx and prisma are runtime dependencies here).
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY prisma.config.ts ./
COPY prisma ./prisma
# The client is generated into node_modules; prisma.config.ts selects the JS engine, so nothing
# else is downloaded at build or run time.
RUN npx prisma generate

# --- the source tree, cleaned -----------------------------------------------------------------------
# The build context is the whole checkout. Copy it into a throwaway stage and delete what must never
# reach the image (the host's node_modules, which could be for another platform; local data, tools,
# secrets), so the final image gets only the source whatever the context holds.
FROM node:20-bookworm-slim AS source
COPY . /src
RUN cd /src && rm -rf node_modules .data .tools .git .ci .env .env.* coverage test-results dist generated bench/results

# --- runtime --------------------------------------------------------------------------------------
FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
# Owned by root and read-only to the app: a compromised process cannot rewrite its own code.
COPY --from=deps /app/node_modules ./node_modules
COPY --from=source /src ./
# The one writable directory: startup creates DATA_DIR. In production only the print vendor's
# folder (DATA_DIR/out: bill and notice print batches) is durable there, on a volume the workers
# and the API share (docker-compose.yml); NODE_ENV=production never generates a key file, and mail
# goes to the relay, not a catcher.
ENV DATA_DIR=/app/.data
RUN mkdir -p /app/.data/out && chown -R node:node /app/.data
# The official image's unprivileged user (uid 1000). Nothing here needs root at run time.
USER node
# Default entry point, the API with its Node flags (scripts/api-node-flags.cjs); docker-compose.yml
# overrides it per service.
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "bin/api.ts"]
