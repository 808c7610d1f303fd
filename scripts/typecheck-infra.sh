#!/usr/bin/env bash
# Type-checks sst.config.ts and infra/ against SST's real platform types (.sst/platform, built offline).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/sst-platform.sh
pnpm exec tsc -p tsconfig.infra.json
echo "sst.config.ts and infra/: types OK"
