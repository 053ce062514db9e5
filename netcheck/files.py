"""Which files a command line names: files as given, directories walked for YAML."""

from __future__ import annotations

import os

SUFFIXES = (".yaml", ".yml")
#: The path that names standard input, as in most command-line tools; reports call it ``STDIN_NAME``.
STDIN = "-"
STDIN_NAME = "<stdin>"


class UsageError(Exception):
    """A command-line mistake (exit status 2), such as a path that does not exist."""


def expand(paths: list[str]) -> list[str]:
    """Files as given; each directory replaced by the ``*.yaml``/``*.yml`` below it, sorted; ``-`` kept (stdin).

    Directory symlinks are not followed inside a walk, so a link loop cannot
    trap it; a directory named ``x.yaml`` is walked, never read as a file.
    """
    if not paths:
        raise UsageError("no files given")
    found: list[str] = []
    if paths.count(STDIN) > 1:
        raise UsageError("standard input (-) can be read only once")
    for path in paths:
        if path == STDIN:
            found.append(path)
        elif not os.path.lexists(path):
            raise UsageError(f"no such file or directory: {path}")
        elif os.path.isdir(path):
            found.extend(_walk(path))
        else:
            found.append(path)
    return found


def _walk(top: str) -> list[str]:
    found = []
    for folder, folders, names in os.walk(top, followlinks=False):
        folders.sort()
        for name in sorted(names):
            if name.endswith(SUFFIXES):
                found.append(os.path.join(folder, name))
    return found
