"""The command line: typer parses options, ``netcheck.commands`` does the work."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Optional

import typer

from netcheck import commands
from netcheck.results import Options
from netcheck.source import DEFAULT_MAX_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_NODES, Limits

app = typer.Typer(
    name="netcheck",
    help="Check convolutional-network specs written in YAML: shapes, parameters, receptive fields.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Format = Annotated[str, typer.Option("--format", "-f", help="text, json, sarif, github, or auto.")]
Ignore = Annotated[Optional[list[str]], typer.Option("--ignore", help="Codes or prefixes to ignore (NC2, NC203).")]
Select = Annotated[Optional[list[str]], typer.Option("--select", help="Only report these codes or prefixes.")]
Color = Annotated[Optional[bool], typer.Option("--color/--no-color", help="Colour (default: on a terminal).")]
MaxBytes = Annotated[int, typer.Option("--max-bytes", min=1, help="Largest file read, in bytes.")]
MaxNodes = Annotated[int, typer.Option("--max-nodes", min=1, help="Most YAML nodes, aliases expanded.")]
MaxDepth = Annotated[int, typer.Option("--max-depth", min=1, help="Deepest YAML nesting.")]


def _finish(outcome: commands.Outcome) -> None:
    outcome.write(sys.stdout, sys.stderr)
    raise typer.Exit(outcome.status)


def _use_color(color: bool | None) -> bool:
    if color is not None:
        return color
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ


def _options(ignore: list[str] | None, select: list[str] | None, max_bytes: int, max_nodes: int,
             max_depth: int) -> Options:
    return Options(tuple(ignore or ()), tuple(select or ()), Limits(max_bytes, max_nodes, max_depth))


@app.command()
def validate(
    paths: Annotated[list[str], typer.Argument(help="Spec files, or directories to search for *.yaml/*.yml.",
                                               metavar="FILE_OR_DIR...")],
    fmt: Format = "auto",
    ignore: Ignore = None,
    select: Select = None,
    fail_on: Annotated[str, typer.Option("--fail-on", help="error or warning.")] = "error",
    color: Color = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_depth: MaxDepth = DEFAULT_MAX_DEPTH,
) -> None:
    """Check spec files; exit 1 if any has an error."""
    options = _options(ignore, select, max_bytes, max_nodes, max_depth)
    _finish(commands.validate(paths, fmt, options, fail_on, _use_color(color)))


@app.command()
def summary(
    path: Annotated[str, typer.Argument(help="A spec file.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
    color: Color = None,
    max_bytes: MaxBytes = DEFAULT_MAX_BYTES,
    max_nodes: MaxNodes = DEFAULT_MAX_NODES,
    max_depth: MaxDepth = DEFAULT_MAX_DEPTH,
) -> None:
    """Print the per-layer table: output shape, params, neurons, MACs, receptive field."""
    options = _options(None, None, max_bytes, max_nodes, max_depth)
    _finish(commands.summary(path, fmt, options, _use_color(color)))


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec format."""
    _finish(commands.schema())


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A violation code, such as NC101.")]) -> None:
    """Explain a violation code, with a failing and a passing example."""
    _finish(commands.explain(code))


@app.command("import-torch")
def import_torch(
    target: Annotated[str, typer.Argument(help="package.module:factory, e.g. torchvision.models:resnet18.")],
    input_shape: Annotated[str, typer.Option("--input", "-i", help="The input volume WxHxD, e.g. 224x224x3.")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the spec here (default: stdout).")]
    = None,
) -> None:
    """Write a spec for a PyTorch model, validated before it is written (needs netcheck[torch])."""
    _finish(commands.import_torch(target, input_shape, output))


def main() -> None:
    """The console-script entry point."""
    app(prog_name="netcheck")
