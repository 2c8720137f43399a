#!/usr/bin/env bash
# Everything a fresh machine needs before `debugbox demo` or the tests: the package with its
# dev extras, a Docker engine (installed and started when we are root or have sudo), and the
# sandbox image (on the public python:3.11-slim when a registry answers, else on a base built
# offline with debootstrap). Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "setup: $*" >&2; }

python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'

# Independent MCP clients for the tests (MCP Inspector CLI, TypeScript SDK), pinned in tests/js.
if ! command -v npm >/dev/null 2>&1; then
    say "no npm: install Node.js 20+ and run 'npm ci --prefix tests/js' for the independent-client tests"
elif [ tests/js/node_modules/.package-lock.json -nt tests/js/package-lock.json ]; then
    say "tests/js/node_modules up to date"
else
    npm ci --prefix tests/js --no-audit --no-fund --loglevel=error
fi

# Headless Chromium loads the evaluator's report.html in the tests (Debian's package).
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else sudo="none"; fi
    if [ "$sudo" = none ] || ! command -v apt-get >/dev/null 2>&1; then
        say "no chromium and no way to install it: the report test needs Debian's chromium"
    else
        $sudo apt-get update -qq
        $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    fi
fi

if ! bash scripts/setup-docker.sh; then
    say "no Docker engine: debugbox will use the local backend (process isolation only)"
    exit 0
fi

if docker image inspect debugbox-sandbox:latest >/dev/null 2>&1; then
    say "sandbox image present (the server rebuilds it by itself if the runner changed)"
elif docker image inspect debugbox-base:bookworm >/dev/null 2>&1; then
    python3 -m cli image build --base-image debugbox-base:bookworm
elif ! python3 -m cli image build; then
    say "the public base image cannot be pulled: building an offline base with debootstrap"
    python3 -m cli image build-offline-base
    python3 -m cli image build --base-image debugbox-base:bookworm
fi
say "ready"
