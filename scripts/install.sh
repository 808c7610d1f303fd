#!/usr/bin/env bash
# Installs everything livetranslate needs on Debian/Ubuntu with Node 20+: the speech engines and Chromium
# from Debian's packages, pnpm, and the workspace's dependencies. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "run as root or install sudo" >&2; exit 1; }
  SUDO="sudo"
fi

node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 20 ]; then
  echo "livetranslate needs Node.js 20 or newer (found: $(node -v 2>/dev/null || echo none))" >&2
  exit 1
fi

# Speech engines for local mode (see README: pocketsphinx = speech to text, Apertium = translation;
# eSpeak NG comes from npm as WASM) and Chromium for the browser tests.
packages=(
  pocketsphinx pocketsphinx-en-us
  apertium apertium-eng-spa apertium-eng-cat apertium-fra-cat apertium-es-pt apertium-spa-ita apertium-en-gl apertium-en-eo
  chromium sox
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing Debian packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v pnpm >/dev/null || [ "$(pnpm -v)" != "12.21.0" ]; then
  echo "installing pnpm 12.21.0"
  $SUDO npm install -g pnpm@12.21.0 >/dev/null 2>&1
fi

export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile
