"""debugbox's core: the episode engine (pure state and rules: files, edits, budget, rewards, scoring) and
the service that runs tools against sandboxes. No protocol code: the front ends (mcp_server/, ...) map
its results and errors onto their own."""
