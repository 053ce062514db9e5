"""Output streams that fail: a full disk, a closed stdout, a reader that stops early. Never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

COMMANDS = [("validate", "specs/"), ("summary", "specs/resnet18.yaml"), ("explain", "NC101"), ("schema",),
            ("validate", "--format", "json", "specs/")]


def _run(args: tuple[str, ...], **streams: object) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run([sys.executable, "-m", "netcheck", *args], cwd=ROOT, stderr=subprocess.PIPE,
                          timeout=120, **streams)  # type: ignore[call-overload, no-any-return]


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_full_disk_is_said_once_and_fails(args: tuple[str, ...]) -> None:
    with open("/dev/full", "wb") as full:
        result = _run(args, stdout=full)
    assert result.returncode == 1
    assert result.stderr.decode() == "netcheck: cannot write the output: No space left on device\n"


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_closed_stdout_is_said_and_fails(args: tuple[str, ...]) -> None:
    result = subprocess.run([sys.executable, "-c", "import os, runpy, sys; os.close(1); sys.argv[0] = 'netcheck'; "
                             "runpy.run_module('netcheck', run_name='__main__')", *args],
                            cwd=ROOT, stderr=subprocess.PIPE, timeout=120)
    assert b"Traceback" not in result.stderr
    assert result.returncode == 1
    assert result.stderr.decode().startswith("netcheck: cannot write the output:")


@pytest.mark.parametrize("args", COMMANDS, ids=" ".join)
def test_a_reader_that_stops_early_ends_it_quietly(args: tuple[str, ...]) -> None:
    read, write = os.pipe()
    process = subprocess.Popen([sys.executable, "-m", "netcheck", *args, *(["specs/"] * 20 if args[0] == "validate"
                                                                          else [])],
                               cwd=ROOT, stdout=write, stderr=subprocess.PIPE)
    os.close(write)
    with os.fdopen(read, "rb") as reader:
        reader.read(1)
    _, errors = process.communicate(timeout=120)
    assert errors == b""
    assert process.returncode in (0, 1)
