#!/usr/bin/env bash
# Make a Docker engine available for debugbox (CI runners, fresh Debian boxes,
# containers without systemd). Idempotent: does nothing if `docker info` works.
#
# Env: DOCKERD_LOG (default /tmp/dockerd.log), DOCKERD_TIMEOUT seconds (default 60).
set -euo pipefail

log_file="${DOCKERD_LOG:-/tmp/dockerd.log}"
timeout_s="${DOCKERD_TIMEOUT:-60}"

say() { echo "setup-docker: $*" >&2; }

if docker info >/dev/null 2>&1; then
    say "docker engine already reachable; nothing to do"
    exit 0
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || { say "not root and no sudo; cannot install or start docker"; exit 1; }
    sudo="sudo"
fi

# debootstrap lives in /usr/sbin, which a non-root PATH may lack.
missing=()
command -v dockerd >/dev/null 2>&1 || [ -x /usr/sbin/dockerd ] || missing+=(docker.io)
command -v docker >/dev/null 2>&1 || missing+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || [ -x /usr/sbin/debootstrap ] || missing+=(debootstrap)
if [ "${#missing[@]}" -gt 0 ]; then
    # docker.io may be listed twice; sort -u keeps apt's command line tidy.
    mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
    say "installing: ${missing[*]}"
    $sudo apt-get update
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y "${missing[@]}"
fi

# A dockerd that is running but not answering yet is just slow: wait for it
# rather than starting a second daemon that would fight over its pid file.
if pgrep -x dockerd >/dev/null 2>&1; then
    say "dockerd already running; waiting for it to answer"
elif [ -d /run/systemd/system ]; then
    say "starting docker via systemd"
    $sudo systemctl start docker
else
    say "starting dockerd in the background (log: $log_file)"
    $sudo sh -c "nohup dockerd >'$log_file' 2>&1 &"
fi

for _ in $(seq 1 "$timeout_s"); do
    if docker info >/dev/null 2>&1; then
        say "docker engine is up"
        exit 0
    fi
    sleep 1
done

say "docker engine did not come up within ${timeout_s}s"
if [ -r "$log_file" ]; then
    say "last lines of $log_file:"
    tail -n 50 "$log_file" >&2
elif [ -d /run/systemd/system ]; then
    $sudo journalctl -u docker --no-pager -n 50 >&2 || true
fi
exit 1
