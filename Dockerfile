# synbait sensor image: the sensor (TypeScript run by tsx), libpcap, iptables, and entrypoint.sh, which installs
# the drop rules of iptables/ on the host, supervises the sensor and removes the rules when it stops.
# Run with host networking and only NET_RAW + NET_ADMIN (compose.yaml, docs/ecs/); see docs/appliance.md.
#
# Both stages use the same Node major: the native addon (cap) is built against the Node that runs it.

FROM docker.io/library/node:24-bookworm-slim AS build
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 make g++ libpcap-dev \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*
WORKDIR /app
# node-gyp builds cap against the headers in the image (/usr/local/include/node): no download
ENV npm_config_nodedir=/usr/local \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY package.json package-lock.json ./
# the reviewed patch to cap's binding (pcap_stats, setFilter, snapshot length, no abort when the device goes away):
# npm ci's postinstall applies it with patch-package and rebuilds the addon
COPY patches ./patches
# production dependencies only, then trim:
# cap keeps only its addon; the AWS SDK ships each package three times (dist-cjs, dist-es, dist-types) and Node
# loads only dist-cjs (every exports map lists "node" before "import"); no source maps or type declarations
RUN npm ci --omit=dev \
 && find node_modules/cap/build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} + \
 && find node_modules/cap/build/Release -mindepth 1 ! -name cap.node -exec rm -rf {} + \
 && rm -rf node_modules/cap/deps node_modules/cap/src node_modules/nan \
 && find node_modules/@aws-sdk node_modules/@smithy -mindepth 2 -maxdepth 2 -type d \( -name dist-es -o -name dist-types \) -exec rm -rf {} + \
 && find node_modules \( -name '*.map' -o -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' \) -type f -delete \
 && rm -rf /root/.npm

FROM docker.io/library/node:24-bookworm-slim
# libpcap for the capture, iptables (nft and legacy) for `synbait firewall`; nothing else (flock(1) for the spool
# lock is util-linux, part of every Debian base). No apt lists and no apt caches (/var/cache/apt/*.bin alone would
# add 75 MB). `synbait` on PATH for `docker compose exec synbait synbait report ...`.
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap0.8 iptables \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/* /var/log/apt /var/log/dpkg.log \
 && ln -s /app/src/bin.mjs /usr/local/bin/synbait
WORKDIR /app
COPY --from=build /app/node_modules ./node_modules
COPY package.json package-lock.json entrypoint.sh ./
COPY iptables ./iptables
COPY src ./src
# Runs as root with every capability dropped but NET_RAW (libpcap, and iptables-legacy's raw socket) and
# NET_ADMIN (iptables, promiscuous mode): a non-root user could not use either without file capabilities on node
# itself, which would hand them to every script node runs. /run/synbait holds the heartbeat the HEALTHCHECK reads.
ENV NODE_ENV=production \
    SYNBAIT_FORMAT=json \
    SYNBAIT_HEALTH_FILE=/run/synbait/heartbeat
HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["/app/entrypoint.sh", "healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["/app/entrypoint.sh"]
CMD []
