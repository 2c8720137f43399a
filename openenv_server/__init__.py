"""The OpenEnv front end: reset/step/state over WebSocket and HTTP, over the same DebugService as the MCP server."""
