"""The command line: typer parses options, ``netcheck.commands`` does the work."""

from __future__ import annotations

import inspect
import sys
from typing import Annotated, Any, Optional

import typer

from netcheck import commands, options

app = typer.Typer(
    name="netcheck",
    help="Check convolutional-network specs written in YAML: shapes, parameters, receptive fields.",
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

PATHS = inspect.Parameter("paths", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
    list[str], typer.Argument(metavar="FILE_OR_DIR", hidden=True)])  # described in each command's help
TYPES: dict[str, Any] = {"text": str, "count": int, "codes": Optional[list[str]], "switch": Optional[bool]}


def _parameter(option: options.Option) -> inspect.Parameter:
    """The typer parameter of an option in ``netcheck.options``."""
    flags = (f"{option.flags[0]}/{option.off}",) if option.kind == "switch" else option.flags
    info = typer.Option(*flags, help=option.help, min=1 if option.kind == "count" else None,
                        metavar=option.metavar or None)
    kind = Optional[int] if option.kind == "count" and option.default is None else TYPES[option.kind]
    return inspect.Parameter(option.key, inspect.Parameter.KEYWORD_ONLY, default=option.default,
                             annotation=Annotated[kind, info])


def _spec_command(name: str, argument: inspect.Parameter, doc: str) -> None:
    """Register command ``name``: its signature is built from its options in ``netcheck.options``."""

    def command(**values: Any) -> None:
        raise typer.Exit(commands.run(name, values, sys.stdout).deliver())

    parameters = [argument, *(_parameter(option) for option in options.COMMANDS[name])]
    command.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    command.__annotations__ = {parameter.name: parameter.annotation for parameter in parameters}
    command.__doc__ = doc
    app.command(name)(command)


_FILES = "FILE_OR_DIR: spec files, directories (every *.yaml and *.yml below), or - for standard input."
_spec_command("validate", PATHS, f"Check spec files; exit 1 if any has an error.\n\n{_FILES}")
_spec_command("summary", PATHS, "Print the per-layer table: input and output shape, params, neurons, MACs, "
              f"receptive field, memory.\n\n{_FILES}")
_spec_command("sizes", inspect.Parameter("paths", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Annotated[
    str, typer.Argument(metavar="FILE", hidden=True)]),
    "Print the input sizes, width and height, under which the network is valid: exact sets, the declared "
    "size's verdict, the nearest valid sizes.\n\nFILE: one spec file, or - for standard input.")


def _version(value: bool) -> None:
    if value:
        _finish(commands.version())


@app.callback()
def _options(version: Annotated[bool, typer.Option("--version", help="Print netcheck's version and exit.",
                                                   callback=_version, is_eager=True)] = False) -> None:
    """Check convolutional-network specs written in YAML: shapes, parameters, receptive fields."""


def _finish(outcome: commands.Outcome) -> None:
    raise typer.Exit(outcome.deliver())


@app.command()
def schema() -> None:
    """Print the JSON Schema of the spec format."""
    _finish(commands.schema())


@app.command()
def explain(code: Annotated[str, typer.Argument(help="A violation code, such as NC101, or a layer type, such as "
                                                   "conv2d.")]) -> None:
    """Explain a violation code (with a failing and a passing example) or a layer type (its fields and arithmetic)."""
    _finish(commands.explain(code))


@app.command("import-torch")
def import_torch(
    target: Annotated[str, typer.Argument(help="package.module:factory, e.g. torchvision.models:resnet18.")],
    input_shape: Annotated[str, typer.Option("--input", "-i", help="The input volume WxHxD, e.g. 224x224x3.")],
    output: Annotated[Optional[str], typer.Option("--output", "-o", help="Write the spec here (default: stdout).")]
    = None,
    flat: Annotated[bool, typer.Option("--flat", help="One list of layers; by default submodules of one kind "
                                                      "become blocks (FORMAT.md §8).")] = False,
) -> None:
    """Write a spec for a PyTorch model, validated before it is written (needs cnn-netcheck[torch])."""
    _finish(commands.import_torch(target, input_shape, output, blocks=not flat))


@app.command()
def render(
    path: Annotated[str, typer.Argument(metavar="FILE", help="The spec to draw (- for standard input).")],
    output: Annotated[str, typer.Option("--output", "-o", help="Write the picture here: OUT.svg, or OUT.html for a "
                                                               "self-contained page with the table and fixes.")],
) -> None:
    """Draw the network as SVG or as an HTML report (the format from the suffix of -o)."""
    _finish(commands.render(path, output))


@app.command()
def lsp() -> None:
    """Run the language server on stdin and stdout, for editors (needs cnn-netcheck[lsp])."""
    try:
        from netcheck.lsp.server import start
    except ImportError as error:  # pygls is the lsp extra's; the other commands never import it
        _finish(commands.Outcome("", commands.USAGE, "netcheck: the language server needs pygls: "
                                 f"pip install 'cnn-netcheck[lsp]' ({error})"))
    raise typer.Exit(start())


def main() -> None:
    """The console-script entry point."""
    app(prog_name="netcheck")
