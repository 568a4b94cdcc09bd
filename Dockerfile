# syntax=docker/dockerfile:1.7
# One image for the whole mesh. The service is chosen by the arguments, e.g.
#   docker run mobility-mesh services/avl/src/main.ts
# and in k8s/ by each Deployment's `args`. TypeScript runs through tsx; there is no build step yet.

ARG NODE_IMAGE=node:20-bookworm-slim

# --- dependencies: the workspace installed from the lockfile alone -------------------------------
FROM ${NODE_IMAGE} AS deps
ENV COREPACK_HOME=/opt/corepack \
    COREPACK_ENABLE_DOWNLOAD_PROMPT=0 \
    CI=true
WORKDIR /app
# corepack fetches exactly the pnpm named by packageManager in package.json.
COPY package.json ./
RUN corepack enable && corepack install
# `pnpm fetch` needs only the lockfile, so this layer survives source changes.
COPY pnpm-lock.yaml pnpm-workspace.yaml .npmrc ./
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
    pnpm fetch --store-dir /pnpm-store
COPY . .
# The services run through tsx, which is a devDependency of the workspace root today, so a plain
# `--prod` install would leave it out and no service could start. Once tsx moves to the root
# "dependencies" (it is a runtime need while there is no build step), add --prod here.
RUN --mount=type=cache,id=pnpm-store,target=/pnpm-store \
    pnpm install --frozen-lockfile --offline --store-dir /pnpm-store

# --- runtime ---------------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production
# A named user for uid 10001, so tools that look the user up find one; no home, no shell.
RUN groupadd --system --gid 10001 mobility \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin mobility
WORKDIR /app
# Owned by root and only readable by the service user: the process cannot rewrite its own code.
COPY --from=deps /app /app
USER 10001:10001
EXPOSE 50051 8080
ENTRYPOINT ["node", "--import", "tsx", "--import", "./services/runtime/src/telemetry/register.ts"]
CMD ["services/mesh/src/main.ts"]
