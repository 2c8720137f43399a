"""The `debugbox` command: one module per command group, wired together in `cli/main.py`.

The top floor (DESIGN.md, Layout): it may import any other, since it starts servers, runs the
evaluator and the task checker, and builds images.
"""
