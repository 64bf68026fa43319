#!/usr/bin/env bash
# Installs what a fresh Debian machine lacks for this repository, then its npm dependencies. Used by the
# README's two commands and by .ci/run. Idempotent: packages already present are not touched.
#   chromium     drives the extension-host suites (code-server) through playwright-core
#   libkrb5-dev  lets code-server's nested kerberos dependency build during `npm ci`
#   ripgrep      seeds code-server's @vscode/ripgrep install, which would otherwise download from GitHub
#   zstd         compresses a request body the way Codex does, in the tests
set -euo pipefail
cd "$(dirname "$0")/.."

missing=()
for package in chromium libkrb5-dev ripgrep zstd; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q '^install ok installed$' || missing+=("$package")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: missing Debian packages: ${missing[*]}; install them (sudo apt-get install ${missing[*]}) and run again" >&2
    exit 1
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}"
fi

npm ci --no-audit --no-fund
