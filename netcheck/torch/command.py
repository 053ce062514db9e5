"""import-torch: load ``package.module:factory``, describe it with from_module, write the spec as YAML."""

from __future__ import annotations

import importlib
import os
import re
import sys
import warnings
from pathlib import Path
from typing import Any

import torch
from torch import nn

from netcheck import spec
from netcheck.checker import check_text
from netcheck.results import Options
from netcheck.torch.errors import FromModuleError, TorchImportWarning, first_line
from netcheck.torch.trace import from_module
from netcheck.torch.writer import to_yaml


class FactoryError(Exception):
    """``package.module:factory`` cannot be resolved to a module."""


def load_factory(target: str) -> tuple[nn.Module, str]:
    """Import ``package.module:factory`` and call the factory with no arguments; returns the module and its name.

    The factory may be a dotted attribute path, a class, a function, or an
    ``nn.Module`` instance. The current directory is importable, as with
    ``python -m``.
    """
    module_path, _, attribute = target.partition(":")
    if not module_path or not attribute:
        raise FactoryError(f"expected package.module:factory (such as torchvision.models:resnet18), not {target!r}")
    if os.getcwd() not in sys.path and "" not in sys.path:
        sys.path.insert(0, os.getcwd())
    try:
        found: Any = importlib.import_module(module_path)
    except Exception as error:  # ImportError, or whatever the module's own code raises while importing
        raise FactoryError(f"cannot import {module_path}: {type(error).__name__}: {first_line(error)}") from error
    for part in attribute.split("."):
        if not hasattr(found, part):
            raise FactoryError(f"{module_path} has no attribute {attribute!r}")
        found = getattr(found, part)
    if not isinstance(found, nn.Module):
        if not callable(found):
            raise FactoryError(f"{target} is neither an nn.Module nor callable")
        try:
            found = found()
        except Exception as error:
            raise FactoryError(f"{target}() raised {type(error).__name__}: {first_line(error)} (the factory is "
                               "called with no arguments)") from error
    if not isinstance(found, nn.Module):
        raise FactoryError(f"{target}() returned {type(found).__name__}, not a torch.nn.Module")
    return found, attribute.rsplit(".", 1)[-1]



def _schema_for(path: str | None) -> str | None:
    """The path to ``schemas/netcheck.schema.json`` relative to the output, in the nearest folder upwards that has one.

    None (no modeline) when there is none, or when the spec goes to standard
    output (where it ends up, and so the relative path, is unknown).
    """
    if path is not None:
        folder = Path(path).resolve().parent
        for candidate in (folder, *folder.parents):
            schema = candidate / "schemas" / "netcheck.schema.json"
            if schema.is_file():
                return Path(os.path.relpath(schema, Path(path).resolve().parent)).as_posix()
    return None


def _block_count(text: str) -> int:
    """How many blocks a written spec defines (the keys under ``blocks:``)."""
    count, inside = 0, False
    for line in text.splitlines():
        if line == "blocks:":
            inside = True
        elif not line.startswith(" "):
            inside = False
        elif inside and re.fullmatch(r"  [^ #][^:]*:", line):
            count += 1
    return count


def import_command(target: str, input_shape: str, output: str | None, blocks: bool = True) -> tuple[str, int, str]:
    """``netcheck import-torch``: (stdout text, exit status, stderr text); ``blocks`` folds submodules into blocks."""
    try:
        shape = spec.ShapeSpec.model_validate(input_shape).shape
    except Exception:
        return "", 2, f"netcheck: --input takes a shape WxHxD such as 224x224x3, not {input_shape!r}"
    try:
        module, name = load_factory(target)
    except FactoryError as error:
        return "", 2, f"netcheck: {error}"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", TorchImportWarning)
        try:
            network = from_module(module, shape, name=name,
                                  description=f"Imported from {target} ({type(module).__module__}."
                                              f"{type(module).__qualname__}) with netcheck import-torch.")
        except FromModuleError as error:
            return "", 1, f"netcheck: cannot import {target}: {error}"
        except Exception as error:  # a model netcheck reads wrongly must still end in a message, not a traceback
            return "", 1, (f"netcheck: cannot import {target}: reading the model failed inside netcheck "
                           f"({type(error).__name__}: {first_line(error)}); this is a netcheck bug, please report it")
    notes = [f"netcheck: note: {warning.message}" for warning in caught
             if issubclass(warning.category, TorchImportWarning)]
    header = [f"Written by netcheck import-torch {target} --input {shape} (torch {torch.__version__})."]
    text = to_yaml(network, schema=_schema_for(output), header=header, blocks=blocks)
    report = check_text(text, output or "<stdout>", Options(fixes=False))
    if not report.ok:  # pragma: no cover - from_module verified the network already
        listing = "\n".join(f"  {v.line}:{v.column}: {v.code} {v.message}" for v in report.violations if v.is_error)
        return "", 1, f"netcheck: the imported spec does not validate; nothing written:\n{listing}"
    totals = report.totals
    count = _block_count(text)
    folded = f" ({count} block{'s' if count != 1 else ''})" if count else ""
    summary = (f"netcheck: {name}: {len(network.layers)} layers{folded}, output {report.rows[-1].output}, "
               f"{totals['trainable_params'] or 0:,} trainable + {totals['non_trainable_params'] or 0:,} "
               f"non-trainable parameters; {report.warnings} warning{'s' if report.warnings != 1 else ''}")
    if output is None:
        return text, 0, "\n".join([*notes, summary])
    try:
        Path(output).write_text(text, encoding="utf-8")
    except OSError as error:
        return "", 2, f"netcheck: cannot write {output}: {error.strerror or error}"
    return "", 0, "\n".join([*notes, summary + f"; wrote {output}"])
