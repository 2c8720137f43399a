"""A fake Kubernetes API server for the tests (no cluster can run on these machines): the real
HTTP/JSON API, watch streams and exec WebSocket channel protocol for the subset debugbox uses, an
agent-sandbox controller (warm pools, claims), garbage collection by ownerReference, and pods
backed by real local runner processes. See server.py."""
