"""Trajectories people can read: self-contained HTML pages (inline CSS, no script) of ATIF episodes."""
