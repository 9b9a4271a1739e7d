# ipdest: build the TypeScript, then run it as a non-root user with config and lists as volumes.
# Node 22 LTS (maintained to April 2027); Node 20 reached end of life in April 2026.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
ENV NODE_ENV=production \
    IPDEST_HOST=0.0.0.0 \
    IPDEST_PORT=8080 \
    IPDEST_CONFIG=/app/config/ipdest.yaml \
    IPDEST_CACHE_DIR=/app/cache
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY config ./config
COPY snapshot ./snapshot
COPY cidr-lists/README.md ./cidr-lists/README.md
# The owner table's cache (~21 MB): built on the first start (a peak near 600 MiB), read back in
# ~0.2 s after that, so keep it on a volume.
RUN mkdir -p /app/cache && chown -R node:node /app/cidr-lists /app/cache
USER node
EXPOSE 8080
VOLUME ["/app/config", "/app/cidr-lists", "/app/cache"]
# Healthy only when every configured list is in service and current: a run that forgot its lists
# volume answers from the shipped snapshot, and shows as unhealthy once it is past 30 days
# (/readyz "degraded", naming the stale lists).
HEALTHCHECK --interval=30s --timeout=3s --start-period=30s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.IPDEST_PORT||8080)+'/readyz').then(r=>r.json()).then(b=>process.exit(b.status==='ready'?0:1),()=>process.exit(1))"
# SIGTERM stops gracefully; SIGHUP (docker kill -s HUP) reloads the lists.
CMD ["node", "dist/cli.js", "serve"]
