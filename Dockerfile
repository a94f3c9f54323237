# syntax=docker/dockerfile:1
#
# One image for every Atende process. compose.yaml picks the process with `command:` (an entry file run by
# `node --import tsx`): `orchestrator/main.ts` (the default) or `agents/<name>/main.ts`. One image means one build,
# one set of pinned dependencies and one thing to scan; an agent's container holds the other services' code but
# never their keys: certificates are mounted at run time, per service, and no `*.pem` is in the build context
# (.dockerignore).
#
#   npm ci && npm run certs          # the development CA and one certificate per service, host names included
#   docker compose up --build

ARG NODE_IMAGE=node:20-bookworm-slim

# Every dependency, dev ones included, for the build of the web assets when the project defines one.
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run --if-present build:web

# Run-time dependencies only. tsx runs the TypeScript at run time, so it is a run-time dependency; while
# package.json still lists it under devDependencies it is promoted here (the lockfile pins the same version, and
# `npm ci` installs exactly what the lockfile says).
FROM ${NODE_IMAGE} AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN node -e "const fs=require('fs');const p=JSON.parse(fs.readFileSync('package.json','utf8'));if(p.devDependencies&&p.devDependencies.tsx&&!(p.dependencies&&p.dependencies.tsx)){p.dependencies={...p.dependencies,tsx:p.devDependencies.tsx};delete p.devDependencies.tsx;fs.writeFileSync('package.json',JSON.stringify(p,null,2))}" \
  && npm ci --omit=dev --no-audit --no-fund \
  && npm cache clean --force

FROM ${NODE_IMAGE} AS runtime
ENV NODE_ENV=production \
    CERTS_DIR=/etc/atende/certs \
    DATA_DIR=/var/lib/atende \
    AGENT_CARDS_DIR=/app/agent-cards \
    WEB_DIR=/app/web
WORKDIR /app
# Code and dependencies belong to root and are read-only to the `node` user the processes run as.
COPY --from=deps /app/node_modules ./node_modules
COPY package.json tsconfig.json ./
COPY agent-cards ./agent-cards
COPY agents ./agents
COPY certs ./certs
COPY orchestrator ./orchestrator
COPY --from=build /app/web ./web
# The orchestrator's only writable place (PGlite and its signing key): a volume in compose.yaml. Certificates are
# bind-mounted read-only under /etc/atende/certs.
RUN mkdir -p /var/lib/atende /etc/atende/certs && chown node:node /var/lib/atende
USER node
EXPOSE 8443 9101 9102 9103 9104
ENTRYPOINT ["node", "--import", "tsx"]
CMD ["orchestrator/main.ts"]
