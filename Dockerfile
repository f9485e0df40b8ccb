# gatewayd container image: Node.js 24 on Debian 13 (trixie), served by uWS v20.57.
# Build, run, mounts, reloads and caveats: docs/operations/docker.md. In short:
#   DOCKER_BUILDKIT=1 docker build -t gatewayd .
#   docker run --read-only -p 8080:8080 -v "$PWD/config:/etc/gatewayd:ro" gatewayd

FROM node:24-trixie-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Dependencies first, in their own layer: a source change does not reinstall them. Behind a
# TLS-intercepting proxy, pass its CA: --secret id=npmca,src=/path/to/ca.pem. The secret never
# lands in a layer; without it npm uses Node's own CA list.
RUN --mount=type=secret,id=npmca \
    if [ -s /run/secrets/npmca ]; then export NODE_EXTRA_CA_CERTS=/run/secrets/npmca; fi \
    && npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY bin ./bin
COPY engine ./engine
COPY schemas ./schemas
# The build also compiles the hub client package and copies the admin dashboard's files.
COPY packages/hub-client ./packages/hub-client
COPY scripts/precompile-schema.mjs scripts/copy-dashboard.mjs ./scripts/
RUN npm run build && npm prune --omit=dev --no-audit --no-fund
# Only the uWS binaries this image's Node.js can load, for linux x64 and arm64: the v20.30
# build ships none for Node 24, the v20.57 build ships every platform and Node.js version.
RUN abi=$(node -p process.versions.modules) \
    && find node_modules/@btc-vision/uwebsockets.js node_modules/uWebSockets.js -name 'uws_*.node' \
       ! -name "uws_linux_x64_${abi}.node" ! -name "uws_linux_arm64_${abi}.node" -delete \
    && node -e "require('@btc-vision/uwebsockets.js')"

FROM node:24-trixie-slim
ENV NODE_ENV=production \
    BIND_ADDRESS=0.0.0.0 \
    GATEWAYD_CONFIG=/etc/gatewayd/gateway.yaml
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
COPY bin ./bin
COPY schemas ./schemas
# The quickstart answers until a config directory is mounted over /etc/gatewayd.
COPY examples/quickstart/gateway.yaml /etc/gatewayd/gateway.yaml
# The official node images' unprivileged user (uid 1000); the image writes nothing at run time,
# so it runs with --read-only.
USER node
EXPOSE 8080
# `gatewayd health` reads GATEWAYD_CONFIG with the container's environment and asks /health on
# the port and address that config serves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["node", "/app/bin/gatewayd", "health"]
# SIGTERM drains: requests under way finish (up to server.timeouts.shutdown_timeout), then exit 0.
# Give `docker stop` a longer --time than that timeout.
STOPSIGNAL SIGTERM
ENTRYPOINT ["node", "/app/bin/gatewayd"]
