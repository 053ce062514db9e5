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
    if arguments == ["--version"]:
        from netcheck import commands

        raise SystemExit(commands.version().deliver())
    from netcheck import fastpath

    call = fastpath.parse(arguments)
    if call is None:
        from netcheck.cli import app

        app(args=arguments, prog_name="netcheck")
        return
    from netcheck import commands

    raise SystemExit(commands.run(*call, sys.stdout).deliver())
