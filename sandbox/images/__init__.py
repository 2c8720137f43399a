"""The Docker images debugbox builds: `build` (any image from a tar context and a base, the log
followed), `sandbox_image` (the image episodes run in, from sandbox/Dockerfile and the runner) and
`offline_base` (a Debian base made with debootstrap, for machines without a registry) and `server_image`
(debugbox's own server image, from the top-level Dockerfile and wheels collected on this machine).

Nothing here writes to stdout (the MCP server speaks its protocol there): progress goes to a
callback, by default a line-writer on stderr.
"""
