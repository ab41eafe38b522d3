# cbm-gateway: one gateway per container. Build:  docker build -t cbm-gateway .
# Run, configuration and volumes: docs/deployment.md.
# A test (test/unit/cli/dockerfile.test.ts) checks that every path copied here exists and that
# CMD is the command `npm start` runs.

ARG NODE_IMAGE=node:20-bookworm-slim

# Production dependencies, with better-sqlite3 compiled from source against this image's Node
# (node-gyp with Python, make and a C++ compiler; the headers ship in the image under /usr/local).
FROM ${NODE_IMAGE} AS deps
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY package.json package-lock.json ./
ENV npm_config_nodedir=/usr/local \
    npm_config_build_from_source=better-sqlite3
RUN npm ci --omit=dev --no-audit --no-fund

# The compiled JavaScript (`npm run build`): TypeScript needs the dev dependencies, not the
# native builds, so their install scripts are skipped here.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src src
COPY gateway gateway
COPY simulators simulators
RUN npm run build

FROM ${NODE_IMAGE}
LABEL org.opencontainers.image.title="cbm-gateway" \
      org.opencontainers.image.description="Condition-monitoring edge gateway and rules engine" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV NODE_ENV=production \
    CBM_CONFIG=/app/edge-config/site.yaml \
    CBM_HEALTH_URL=http://127.0.0.1:8080/api/health
WORKDIR /app
# Code and shipped data stay root-owned: the gateway's user can read them, not change them.
COPY --from=deps /app/node_modules node_modules
COPY --from=build /app/dist dist
COPY package.json ./
COPY rules rules
COPY edge-config edge-config
COPY deploy/container/site.yaml edge-config/site.yaml
# /data holds everything the gateway writes (gateway.dataDir): the SQLite store with the work-order
# outbox, the telemetry spill, alarm and rule state, and the OPC UA PKI (its own certificate and
# the servers it trusts). Mount a volume there; edge-config/ and rules/ can be mounted read-only.
RUN mkdir /data && chown node:node /data
VOLUME /data
USER node
# 1883 embedded MQTT broker, 8080 HTTP API and dashboard (the starting config's ports; a mounted
# config may choose others: publish those instead).
EXPOSE 1883 8080
# The API answers while the gateway runs; a source being down is "degraded", still healthy (a
# restart would not bring a PLC back). Node itself makes the request: slim images have no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch(process.env.CBM_HEALTH_URL).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# The gateway stops cleanly on SIGTERM (sources, writer flush, dispatcher drain, store); give it
# the time the service unit gives it: docker stop -t 30, or stop_grace_period in compose.
STOPSIGNAL SIGTERM
CMD ["node", "--no-memory-reducer", "dist/gateway/cli.js", "start"]
