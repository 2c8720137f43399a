"""The client side of debugbox: MCP client helpers, solvers, the evaluator and the demo."""
