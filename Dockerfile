# One image for both programs; the container's command picks one:
#   node webhook/main.ts ...      node reconciler/main.ts ...
# They run from their TypeScript sources: Node 24 strips the types itself, so there is no
# build step (https://nodejs.org/api/typescript.html#type-stripping). Both handle SIGTERM
# themselves (graceful shutdown), so no init process (tini) is needed as PID 1.
#
#   docker build -t <registry>/eci-virtual-node:0.1.0 .

# Node 24, the line package.json pins (devDependency "node"); a tag, not "latest".
ARG NODE_IMAGE=node:24.9.0-bookworm-slim

# Production dependencies only, from the lockfile, no install scripts (none is needed).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE}
WORKDIR /app
# Nothing writes to disk; should a library want a home or a temporary directory, it gets /tmp
# (an emptyDir in deploy/, the root filesystem is read-only).
ENV NODE_ENV=production \
    HOME=/tmp \
    TMPDIR=/tmp
COPY --from=deps /app/node_modules ./node_modules
COPY package.json ./
COPY shared ./shared
COPY webhook ./webhook
COPY reconciler ./reconciler
# A numeric non-root user (no passwd entry needed); the files stay root-owned and read-only to it.
USER 65532:65532
ENTRYPOINT ["node"]
CMD ["reconciler/main.ts", "--help"]
