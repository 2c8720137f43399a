"""`debugbox view`: a run's report, or one trajectory, in the browser.

`debugbox view RUN_DIR` renders the episode pages again from RUN_DIR/trajectories (so a run written
by an older evaluator gains them) and opens RUN_DIR/report.html; `debugbox view TRAJECTORY.json`
renders one episode next to it (FILE.html) and opens that. Pages are files that open from disk;
`--serve` serves the folder on loopback instead, for browsers that restrict file:// pages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from cli.settings import ConfigError


def add_parser(sub) -> None:
    view = sub.add_parser("view", help="open a run's report (RUN_DIR) or one episode (TRAJECTORY.json) in the browser")
    view.add_argument("path", type=Path, help="a `debugbox eval` run directory, or an ATIF trajectory file")
    view.add_argument("--serve", action="store_true", help="serve on 127.0.0.1 instead of opening the file")
    view.add_argument("--port", type=int, default=0, help="port for --serve (default: a free one)")
    view.add_argument("--no-open", action="store_true", help="only write the page and print its path")
    view.set_defaults(func=cmd_view)


def page_for(path: Path) -> Path:
    """The page to open, written fresh."""
    import json

    from harness.viewer.episode_page import render_episode
    from harness.viewer.run_pages import write_episode_pages

    if path.is_dir():
        report = path / "report.html"
        if not report.exists():
            raise ConfigError(f"{path} has no report.html: is it a `debugbox eval --out` directory?")
        write_episode_pages(path)
        return report
    if not path.is_file():
        raise ConfigError(f"no such file or directory: {path}")
    try:
        doc = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{path} is not a JSON trajectory: {exc}") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("steps"), list):
        raise ConfigError(f"{path} is not an ATIF trajectory (no steps)")
    page = path.with_suffix(".html")
    page.write_text(render_episode(doc), encoding="utf-8")
    return page


def cmd_view(args: argparse.Namespace) -> int:
    page = page_for(args.path.resolve())
    if args.no_open:
        print(page)
        return 0
    if args.serve:
        return _serve(page, args.port)
    import webbrowser

    if not webbrowser.open(page.as_uri()):
        print(f"no browser could be started; open {page.as_uri()}", file=sys.stderr)
    print(page)
    return 0


def _serve(page: Path, port: int) -> int:
    import functools
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    handler = functools.partial(SimpleHTTPRequestHandler, directory=str(page.parent))
    with ThreadingHTTPServer(("127.0.0.1", port), handler) as server:  # loopback only: a run's code is private
        url = f"http://127.0.0.1:{server.server_address[1]}/{page.name}"
        print(url, flush=True)
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
    return 0
