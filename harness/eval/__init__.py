"""The batch evaluator (`debugbox eval`): solvers x tasks x tries over MCP, recorded as JSONL,
summarized with honest intervals and pass@k, and rendered as a self-contained HTML report.
See docs/EVAL.md."""
