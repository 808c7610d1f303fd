#!/usr/bin/env bash
# Type-checks sst.config.ts and infra/ against SST's real platform types (.sst/platform, built offline), and the
# infra tests and their harness (which use the platform's Pulumi and esbuild).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/sst-platform.sh
pnpm exec tsc -p tsconfig.infra.json
pnpm exec tsc -p tsconfig.infra-tests.json
echo "sst.config.ts, infra/ and its tests: types OK"
