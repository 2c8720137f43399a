# debugbox server image: `debugbox serve --transport http` on 0.0.0.0:8000, creating one sandbox
# container per episode through the host's Docker socket (mount /var/run/docker.sock).
#
# Build it with `debugbox image build-server [--base-image IMG]`, which first collects the
# package and its dependencies as wheels (build/wheelhouse) so that the build itself needs no
# network. The base only has to provide Python 3.11: python:3.11-slim (default) or the offline
# debugbox-base:bookworm (`debugbox image build-offline-base`).
ARG BASE_IMAGE=python:3.11-slim
FROM ${BASE_IMAGE}

LABEL io.debugbox.image="server"

# Wheels are unpacked by a tiny installer rather than pip: the offline base has no pip.
COPY build/wheelhouse /tmp/wheelhouse
COPY scripts/install_wheels.py /tmp/install_wheels.py
RUN python3 /tmp/install_wheels.py /opt/debugbox/site /tmp/wheelhouse \
    && rm -rf /tmp/wheelhouse /tmp/install_wheels.py \
    && python3 -c "import sys; sys.path.insert(0, '/opt/debugbox/site'); import cli.main, sandbox.docker.provider"

ENV PYTHONPATH=/opt/debugbox/site \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s \
    CMD python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"

# Root only to reach the mounted Docker socket; the agents' code never runs here, it runs in
# the sandbox containers (non-root, no network, read-only). Binding 0.0.0.0 requires a bearer
# token: pass DEBUGBOX_AUTH_TOKENS, or the server refuses to start.
ENTRYPOINT ["python3", "-m", "cli", "serve", "--transport", "http", "--host", "0.0.0.0", "--port", "8000"]
