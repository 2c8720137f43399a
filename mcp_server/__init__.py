"""debugbox's MCP surface: tools, resources, prompts, HTTP security; it maps the core's results and errors."""
