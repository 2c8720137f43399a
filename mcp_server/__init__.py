"""debugbox's MCP server: the tools, the episode engine, scoring and the CLI."""
