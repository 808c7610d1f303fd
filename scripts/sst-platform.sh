#!/usr/bin/env bash
# Builds .sst/platform (SST's platform code and its Pulumi providers) offline, once: `sst install` does it from npm
# alone when it finds bun (npm @oven/bun-linux-x64) and a Pulumi that answers `version` (a stub: deploying needs the
# real one and AWS; the type-check and the mocked run of sst.config.ts need neither).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f .sst/platform/config.d.ts ] && [ -d .sst/platform/node_modules/@pulumi/aws ] && exit 0
work="$PWD/.sst-offline"
mkdir -p "$work/config/sst/bin" "$work/bun-cache"
cat > "$work/config/sst/bin/pulumi" <<'STUB'
#!/bin/sh
[ "$1" = "version" ] && { echo "v3.215.0"; exit 0; }
echo "pulumi is stubbed for the offline checks" >&2; exit 1
STUB
chmod +x "$work/config/sst/bin/pulumi"
bun=$(find node_modules/.pnpm -path "*@oven+bun-linux-x64*/bin/bun" -type f | head -n 1)
[ -n "$bun" ] || { echo "bun not found: run pnpm install" >&2; exit 1; }
export XDG_CONFIG_HOME="$work/config" SST_BUN_PATH="$PWD/$bun" BUN_INSTALL_CACHE_DIR="$work/bun-cache" \
  SST_STAGE="${SST_STAGE:-offline}" SST_TELEMETRY_DISABLED=1 NO_COLOR=1
pnpm exec sst install > "$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }
