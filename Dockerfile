# mqtt-harness and its reference broker (the AWS IoT Core emulator) in one image.
#   docker build -t mqtt-harness .
#   docker run --rm -p 1883:1883 -p 8080:8080 -p 8443:8443 mqtt-harness broker --host 0.0.0.0
#   docker run --rm -v "$PWD:/work" mqtt-harness run --target my-broker.yaml --out results
#   docker run --rm mqtt-harness --version
# The entrypoint is the CLI (bin/mqtt-harness.js); /work is the working folder,
# so target files and scenario paths are relative to the mounted folder and
# reports land in it. Without paths, `run` uses the scenarios in the image.

FROM node:20-bookworm-slim AS build
WORKDIR /opt/mqtt-harness
COPY package.json package-lock.json tsconfig.json tsconfig.build.json ./
COPY spec spec
COPY reference-broker reference-broker
COPY runners runners
COPY reports reports
# npm ci builds dist/ (prepare: tsc -p tsconfig.build.json).
RUN npm ci --no-audit --no-fund

FROM node:20-bookworm-slim
ENV NODE_ENV=production
WORKDIR /opt/mqtt-harness
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund && npm cache clean --force
# What the npm package ships (package.json "files"): bin, dist, profiles, scenarios, spec/*.json.
COPY --from=build /opt/mqtt-harness/dist dist
COPY bin bin
COPY reference-broker/profiles reference-broker/profiles
COPY scenarios scenarios
COPY spec/catalogue.json spec/mqtt-standard.json spec/scenario.schema.json spec/
WORKDIR /work
USER node
EXPOSE 1883 8080 8443
ENTRYPOINT ["node", "/opt/mqtt-harness/bin/mqtt-harness.js"]
CMD ["--help"]
