# One image for the API, the workers and the CLI.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
# The API and workers run compiled JavaScript (dist/); then the compiler goes with the dev packages.
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends poppler-utils qpdf fonts-noto-cjk libgs-common \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
COPY --from=build /app ./
# Fewer glibc malloc arenas: sharp/libvips otherwise fragments memory across threads.
ENV NODE_ENV=production STORAGE_DIR=/data MALLOC_ARENA_MAX=2
# The storage volume takes this ownership on first mount, so the unprivileged user can write.
RUN mkdir -p /data && chown node:node /data
USER node
# --ignore-scripts skips prestart's build: dist/ is built above and the compiler is not installed.
CMD ["npm", "start", "--ignore-scripts"]
