"""The Python API: ``load``, ``check``, ``json_schema`` (FORMAT.md section 6)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from netcheck import blocks, source, validation
from netcheck.checker import check_network
from netcheck.results import FileReport, Options, Violation
from netcheck.spec import Network


class SpecError(Exception):
    """A spec could not be loaded; ``violations`` says where and why."""

    def __init__(self, path: str, violations: list[Violation]) -> None:
        first = violations[0] if violations else None
        where = f"{path}:{first.line}:{first.column}: {first.code} {first.message}" if first else path
        super().__init__(where)
        self.path = path
        self.violations = violations


def load(path: str | Path, limits: source.Limits = source.Limits()) -> Network:
    """Read and validate a spec file; raises ``SpecError`` with its violations.

    A spec with blocks (FORMAT.md §8) gives its expanded network: the layers
    the uses expand to, named as PyTorch names submodules (``layer1.0.conv1``).
    """
    name = str(path)
    return _network(source.read_file(name, limits), name, limits)


def loads(text: str, name: str = "<text>", limits: source.Limits = source.Limits()) -> Network:
    """``load`` for YAML text already in memory; ``name`` stands for the file in violations."""
    return _network(source.parse(text, limits), name, limits)


def _network(document: source.Document, name: str, limits: source.Limits) -> Network:
    violations = list(document.violations)
    network = None
    expansion = blocks.expand(document, limits) if document.readable else None
    if expansion is not None:
        violations.extend(expansion.violations)
        if expansion.data is not None:
            document = source.Document(expansion.data, expansion.locator, [], document.text)
    if document.readable and (expansion is None or expansion.data is not None):
        network, problems = validation.to_network(document)
        violations.extend(problems)
    errors = [violation for violation in violations if violation.is_error]
    if network is None or errors:
        raise SpecError(name, errors or violations)
    if expansion is not None:
        from netcheck.expansion import attach

        attach(network, expansion)
    return network


def check(network: Network, options: Options = Options()) -> FileReport:
    """Run every check on a loaded network: ``.layers``, ``.totals``, ``.violations``, ``.ok``."""
    locator = network._source
    data = locator.root if locator is not None else network.model_dump(exclude_none=True)
    return check_network(network, options, data=data)


def json_schema() -> dict[str, Any]:
    """The JSON Schema of the format, as committed in ``schemas/netcheck.schema.json``."""
    from netcheck.schema import build

    schema: dict[str, Any] = json.loads(json.dumps(build()))
    return schema
