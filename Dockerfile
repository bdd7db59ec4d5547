# The API (and the importer: same image, other command). TypeScript runs through tsx, a runtime
# dependency, so the API has no build step; `npm ci --omit=dev` installs all that runs and, through
# the `prepare` script, builds the explorer web app (web/ to web/dist) with Vite.
FROM node:20.20-slim

ENV NODE_ENV=production
WORKDIR /app

COPY package.json package-lock.json ./
COPY web/ web/
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force

COPY tsconfig.json ./
COPY src/ src/
COPY import/ import/
COPY scripts/ scripts/

USER node
ENV HOST=0.0.0.0 PORT=4000
EXPOSE 4000

# Node itself is PID 1 (no npm/npx wrapper in between), so SIGTERM from `docker stop` reaches the
# shutdown handler in src/main.ts (scripts/start.ts serves with it), which drains in-flight requests.
# The flags are API_NODE_FLAGS (src/cluster.ts).
CMD ["node", "--max-semi-space-size=32", "--import", "tsx", "scripts/start.ts"]
