"""The Docker backend: `provider` (the warm pool and the Sandbox it hands out), `container` (one
hardened container: its settings, its attach stream, its removal) and `reaper` (whose containers
these are, and removing the ones whose server is gone)."""
