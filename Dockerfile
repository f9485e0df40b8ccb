# gatewayd container image. There is no Docker engine on the development machines, so this file
# is kept simple and reviewed by reading; build it where Docker runs:
#   docker build -t gatewayd .
#   docker run -p 8080:8080 -v $PWD/gateway.yaml:/etc/gatewayd/gateway.yaml:ro gatewayd

FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY bin ./bin
# The prepare script builds; the sources must be in place first.
COPY tsconfig.json tsconfig.build.json ./
COPY engine ./engine
# The build also precompiles the config schema (scripts/precompile-schema.mjs).
COPY schemas ./schemas
COPY scripts ./scripts
# The build also compiles the hub client package (packages/hub-client).
COPY packages ./packages
RUN npm ci && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production \
    BIND_ADDRESS=0.0.0.0
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
COPY examples/quickstart/gateway.yaml /etc/gatewayd/gateway.yaml
USER node
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:' + (process.env.PORT || 8080) + '/health').then(r => process.exit(r.ok ? 0 : 1), () => process.exit(1))"
ENTRYPOINT ["node", "/app/bin/gatewayd", "--config", "/etc/gatewayd/gateway.yaml"]
