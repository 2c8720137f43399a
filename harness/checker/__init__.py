"""The task checker (`debugbox tasks check`): plays each task's original and reference solution
through an MCP client, like any agent, and judges whether the task is valid (`check.py`)."""
