"""The ``netcheck`` executable: the quick road for plain ``validate`` calls, typer for the rest."""

from __future__ import annotations

import gc
import os
import sys


def main(argv: list[str] | None = None) -> None:
    """Run the command line; raises SystemExit with its status."""
    arguments = sys.argv[1:] if argv is None else argv
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    gc.set_threshold(100_000, 50, 100)  # big specs make millions of acyclic objects: collect rarely
    from netcheck import fastpath

    found = fastpath.parse_validate(arguments)
    if found is None:
        from netcheck.cli import app

        app(args=arguments, prog_name="netcheck")
        return
    from netcheck import commands

    color = found["color"]
    use_color = bool(color) if color is not None else sys.stdout.isatty() and "NO_COLOR" not in os.environ
    paths = found["paths"]
    assert isinstance(paths, list)
    outcome = commands.validate(paths, str(found["fmt"]), fastpath.options_of(found), str(found["fail_on"]),
                                use_color)
    outcome.write(sys.stdout, sys.stderr)
    raise SystemExit(outcome.status)
