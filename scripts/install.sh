#!/usr/bin/env bash
# Installs everything livetranslate needs on Debian 12 (bookworm) with Node.js 20+: the speech engines and
# Chromium from Debian's packages, pnpm, and the workspace's pinned dependencies.
# Idempotent: when everything is in place, a second run touches neither apt nor the network.
set -euo pipefail
cd "$(dirname "$0")/.."

fail() { echo "install.sh: $*" >&2; exit 1; }

# Debian 12 only: the engines' package and library names (libpocketsphinx.so.3, apertium-* pairs, chromium as a
# .deb) are Debian bookworm's. Ubuntu ships Chromium as a snap and other pocketsphinx libraries.
os_id=$(. /etc/os-release 2>/dev/null && echo "${ID:-unknown}")
os_version=$(. /etc/os-release 2>/dev/null && echo "${VERSION_ID:-unknown}")
if [ "$os_id" != "debian" ] || [ "$os_version" != "12" ]; then
  fail "livetranslate's local mode supports Debian 12 (bookworm); this is ${os_id} ${os_version}. Use a Debian 12 machine or container."
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || fail "run as root or install sudo"
  SUDO="sudo"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  fail "livetranslate needs Node.js 20 or newer (found: $(node -v 2>/dev/null || echo none))"
fi

# Real package names (apt resolves virtual names such as apertium-en-eo, dpkg-query does not: a virtual name
# would look missing on every run). Speech to text: pocketsphinx; translation: Apertium and its pairs
# (docs/design/recognition.md; the Apertium pairs and the languages they reach: docs/languages.md); the browser
# tests: chromium; fixture handling: sox.
packages=(
  pocketsphinx pocketsphinx-en-us
  apertium apertium-eng-spa apertium-eng-cat apertium-fra-cat apertium-es-pt apertium-spa-ita apertium-en-gl apertium-eo-en
  apertium-spa-ast apertium-spa-arg apertium-oc-ca apertium-cat-srd apertium-hbs-eng apertium-hbs-slv
  chromium sox
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PNPM_VERSION=12.21.0
if ! command -v pnpm >/dev/null || [ "$(pnpm -v 2>/dev/null)" != "$PNPM_VERSION" ]; then
  echo "installing pnpm $PNPM_VERSION"
  $SUDO npm install -g "pnpm@$PNPM_VERSION" >/dev/null 2>&1 || fail "npm install -g pnpm@$PNPM_VERSION failed"
fi

export TURBO_TELEMETRY_DISABLED=1 npm_config_update_notifier=false
# Offline first: with node_modules (or pnpm's store) complete this needs no registry; otherwise fetch.
pnpm install --frozen-lockfile --offline --reporter=silent 2>/dev/null || pnpm install --frozen-lockfile
