"""netcheck: check convolutional-network specs written in YAML.

    import netcheck
    net = netcheck.load("net.yaml")      # a netcheck.Network; raises netcheck.SpecError
    report = netcheck.check(net)         # .layers, .totals, .violations, .ok
    netcheck.json_schema()               # the JSON Schema of the format

Names are imported on first use, so that the command line does not pay for
pydantic when it does not need it.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_HOMES = {
    "SpecError": "netcheck.api", "check": "netcheck.api", "json_schema": "netcheck.api", "load": "netcheck.api",
    "loads": "netcheck.api",
    "FileReport": "netcheck.results", "Options": "netcheck.results", "check_path": "netcheck.checker",
    "check_text": "netcheck.checker", "Network": "netcheck.spec", "Fix": "netcheck.results",
    "Violation": "netcheck.results", "valid_sizes": "netcheck.sizes",
}

__all__ = [
    "FileReport", "Fix", "Network", "Options", "SpecError", "Violation",
    "__version__", "check", "check_path", "check_text", "json_schema", "load", "loads", "valid_sizes",
]

if TYPE_CHECKING:
    from netcheck.api import SpecError, check, json_schema, load, loads
    from netcheck.checker import check_path, check_text
    from netcheck.results import FileReport, Fix, Options, Violation
    from netcheck.sizes import valid_sizes
    from netcheck.spec import Network


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'netcheck' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), name)
    globals()[name] = value
    return value
