#!/usr/bin/env bash
# npm start and npm run worker run this first: compile the TypeScript into dist/. tsc -b is
# incremental (about a second when dist/ is current), but a fresh checkout takes about a minute,
# which looked like a hang when nothing was printed. Say so only when there is work to do.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f dist/.tsbuildinfo ]; then
  echo "cardmerge: compiling TypeScript to dist/ (first start only, about a minute)…" >&2
elif [ -n "$(find src workers tsconfig.json tsconfig.build.json -newer dist/.tsbuildinfo -print -quit)" ]; then
  echo "cardmerge: compiling changed TypeScript to dist/…" >&2
else
  exec node_modules/.bin/tsc -b tsconfig.build.json
fi
started=$SECONDS
node_modules/.bin/tsc -b tsconfig.build.json
echo "cardmerge: compiled in $((SECONDS - started)) s" >&2
