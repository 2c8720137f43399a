"""Synthesize debugging tasks from real packages (issue 19): a pinned sdist and its own tests,
bugs injected by AST-located source edits, kept only when the package's tests catch them
deterministically, written as repository-shaped tasks. See docs/TASKS.md, "Synthesize tasks".
"""
