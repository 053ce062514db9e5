"""netcheck: check convolutional-network specs written in YAML.

    import netcheck
    net = netcheck.load("net.yaml")      # a netcheck.Network; raises netcheck.SpecError
    report = netcheck.check(net)         # .layers, .totals, .violations, .ok
    netcheck.json_schema()               # the JSON Schema of the format
"""

from __future__ import annotations

from netcheck.api import SpecError, check, json_schema, load
from netcheck.checker import FileReport, Options, check_path, check_text
from netcheck.spec import Network
from netcheck.violation import Fix, Violation

__version__ = "0.1.0"

__all__ = [
    "FileReport",
    "Fix",
    "Network",
    "Options",
    "SpecError",
    "Violation",
    "__version__",
    "check",
    "check_path",
    "check_text",
    "json_schema",
    "load",
]
