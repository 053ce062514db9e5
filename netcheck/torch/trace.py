"""from_module: trace with torch.fx, propagate shapes on zeros, describe each node as a layer."""

from __future__ import annotations

import contextlib
import linecache
import os
import sys
import warnings
from collections.abc import Iterator
from typing import Any

import torch
import torch.fx
from torch import nn

from netcheck import spec
from netcheck.checker import check_network
from netcheck.results import Options
from netcheck.spec import Network, Shape
from netcheck.torch import known, layers
from netcheck.torch.build import INPUT, NetworkModule
from netcheck.torch.errors import FromModuleError, TorchImportWarning, first_line
from netcheck.torch.folding import ModuleMap
from netcheck.torch.function_ops import _visit_function, _visit_several
from netcheck.torch.module_ops import _visit_module
from netcheck.torch.nodes import (
    NCHW,
    TRACE_BATCH,
    _Import,
    _Layer,
    _Param,
    _shape_of,
    _tensor_shape,
    _unsupported,
    _Value,
    _where,
)
from netcheck.torch.record import record


class _Tracer(torch.fx.Tracer):
    """torch.nn layers and netcheck's own layer modules are leaves; containers are traced through."""

    def create_proxy(self, *args: Any, **kwargs: Any) -> torch.fx.Proxy:
        """Record the innermost user source line (torch's own stack recording imports its compiler: slow)."""
        proxy: torch.fx.Proxy = super().create_proxy(*args, **kwargs)
        proxy.node.meta["netcheck_source"] = _user_frame()
        return proxy

    def is_leaf_module(self, m: nn.Module, module_qualified_name: str) -> bool:
        return is_leaf(m)


#: Classes outside torch.nn read as one layer by what they do (stochastic depth: the identity in eval mode).
_DROP_PATHS = frozenset({"DropPath", "StochasticDepth"})


def is_leaf(module: nn.Module) -> bool:
    """Whether from_module reads ``module`` as one layer rather than following its forward code.

    torch.nn's layers are, and so are their subclasses that keep the layer's own
    ``forward`` (timm's ``Conv2d`` variants with a new ``__init__``): they are
    recognised by what they are. A subclass with its own ``forward`` (timm's
    ``BatchNormAct2d``, which adds an activation) is followed into, where its
    functional calls (``F.batch_norm``, ``F.linear``…) are read. Containers are
    followed; netcheck's own layer modules and stochastic depth are leaves.
    """
    kind = type(module)
    if isinstance(module, NetworkModule):
        return False
    if kind.__module__ == layers.__name__ or kind.__name__ in _DROP_PATHS or known.is_known(module) or \
            known.is_blur(module) or known.is_space_to_depth(module) or known.is_cond_conv(module):
        return True
    if isinstance(module, (nn.Sequential, nn.ModuleList, nn.ModuleDict)):
        return False
    base: Any = next((cls for cls in kind.__mro__ if cls.__module__.startswith("torch.nn.")), None)
    own: Any = kind
    return base is not None and base is not nn.Module and own.forward is base.forward


def from_module(
    module: nn.Module,
    input: str | Shape | tuple[int, int, int],
    *,
    name: str | None = None,
    description: str | None = None,
    expect: bool = True,
) -> Network:
    """Describe ``module`` as a netcheck ``Network``: trace it with torch.fx, run it on zeros of ``input`` (WxHxD).

    Every layer's shape and parameter count is checked against what PyTorch
    computed; an op the format cannot express raises ``UnsupportedOp`` naming
    the op, the node and where it sits. ``expect`` adds the traced output and
    parameter totals as whole-network assertions.
    """
    shape = _input_shape(input)
    notes: list[str] = []
    with _evaluating(module):
        try:
            traced = _trace(module)
        except _Untraceable as untraceable:
            root: nn.Module = module
            graph = _record(module, shape)
            notes.append(f"read from a forward pass on zeros of {shape}, its calls recorded, because {untraceable}")
            warnings.warn(notes[-1], TorchImportWarning, stacklevel=2)
        else:
            root, graph = traced, traced.graph
            _propagate(module, traced, shape)
    state = _Import(root, notes=notes)
    for node in list(graph.nodes):
        _visit(state, node)
    output = _output_value(state, graph)
    layers = _reachable(state, output)
    network = _assemble(state, layers, shape, name or type(module).__name__, description, module, expect, output)
    _verify(network, layers, state)
    network._modules = _module_map(module, state, layers)
    return network


def _module_map(module: nn.Module, state: _Import, layers: list[_Layer]) -> ModuleMap:
    """Each layer's module path and each submodule's class, for ``to_yaml(blocks=True)``."""
    paths = {layer.name: state.paths[layer.name] for layer in layers}
    kinds: dict[tuple[str, ...], str] = {}
    for path in paths.values():
        for end in range(1, len(path)):
            prefix = path[:end]
            if prefix not in kinds:
                try:
                    kinds[prefix] = type(module.get_submodule(".".join(prefix))).__name__
                except AttributeError:
                    kinds[prefix] = "Module"
    return ModuleMap(paths, kinds)


def _input_shape(value: str | Shape | tuple[int, int, int]) -> Shape:
    if isinstance(value, str):
        return spec.ShapeSpec.model_validate(value).shape
    width, height, depth = value
    return Shape(int(width), int(height), int(depth))


@contextlib.contextmanager
def _evaluating(module: nn.Module) -> Iterator[None]:
    """Eval mode (the deployed graph, BatchNorm on running statistics) and no gradients; modes restored after."""
    modes = [(submodule, submodule.training) for submodule in module.modules()]
    module.eval()
    try:
        with torch.no_grad():
            yield
    finally:
        for submodule, training in modes:
            submodule.training = training


class _Untraceable(FromModuleError):
    """torch.fx cannot trace the module: from_module records a real forward pass instead."""


def _trace(module: nn.Module) -> torch.fx.GraphModule:
    tracer = _Tracer()
    try:
        graph = tracer.trace(module)
    except Exception as error:
        raise _Untraceable(f"torch.fx cannot trace {type(module).__name__} ({type(error).__name__}: "
                           f"{first_line(error)})") from error
    return torch.fx.GraphModule(tracer.root, graph, type(module).__name__)


def _record(module: nn.Module, shape: Shape) -> torch.fx.Graph:
    """The graph of one forward pass on zeros, recorded call by call (``record.py``)."""
    try:
        return record(module, _zeros(module, shape), is_leaf, describe, _user_frame)
    except Exception as error:
        raise FromModuleError(
            f"a forward pass of {type(module).__name__} on zeros of {shape} (N x C x H x W = {TRACE_BATCH} x "
            f"{shape.depth} x {shape.height} x {shape.width}) fails: {type(error).__name__}: {first_line(error)}"
        ) from error


class _NodeFailed(Exception):
    def __init__(self, node: torch.fx.Node, error: Exception) -> None:
        super().__init__(node.name)
        self.node, self.error = node, error


class _Shapes(torch.fx.Interpreter):
    """Runs the traced graph and records each node's tensor shape (``netcheck_shape``) in its meta."""

    def run_node(self, n: torch.fx.Node) -> Any:
        try:
            result = super().run_node(n)
        except Exception as error:
            raise _NodeFailed(n, error) from error
        describe(n, result)
        return result


def describe(node: torch.fx.Node, result: Any) -> None:
    """Record in ``node.meta`` what a run computed: a tensor's shape, the shapes of several, or a plain value."""
    if isinstance(result, torch.Tensor):
        node.meta["netcheck_shape"] = tuple(int(size) for size in result.shape)
    elif isinstance(result, (tuple, list)) and result and all(isinstance(item, torch.Tensor) for item in result):
        node.meta["netcheck_several"] = True
        node.meta["netcheck_pieces"] = [tuple(int(size) for size in item.shape) for item in result]
    elif isinstance(result, (tuple, list, dict)) and any(
            isinstance(item, torch.Tensor) for item in (result.values() if isinstance(result, dict) else result)):
        node.meta["netcheck_several"] = True
    elif isinstance(result, (int, float, bool)) or (
            isinstance(result, (tuple, list)) and all(isinstance(item, int) for item in result)):
        node.meta["netcheck_constant"] = result


def _zeros(module: nn.Module, shape: Shape) -> torch.Tensor:
    """The input of the shape run: N x D x H x W zeros, of the module's floating type and device."""
    tensors = [*module.parameters(), *module.buffers()]
    like = next((tensor for tensor in tensors if tensor.is_floating_point()), None)
    size = (TRACE_BATCH, shape.depth, shape.height, shape.width)
    return torch.zeros(size) if like is None else torch.zeros(size, dtype=like.dtype, device=like.device)


def _propagate(module: nn.Module, traced: torch.fx.GraphModule, shape: Shape) -> None:
    zeros = _zeros(module, shape)
    try:
        _Shapes(traced).run(zeros)
    except _NodeFailed as failed:
        raise FromModuleError(
            f"a forward pass of {type(module).__name__} on zeros of {shape} (N x C x H x W = "
            f"{TRACE_BATCH} x {shape.depth} x {shape.height} x {shape.width}) fails at fx node "
            f"{failed.node.name!r}{_where(failed.node)}: {first_line(failed.error)}"
        ) from failed.error



_TORCH_DIR = os.path.dirname(torch.__file__) + os.sep
_HERE = os.path.dirname(os.path.abspath(__file__)) + os.sep
_PYTHON_DIR = os.path.dirname(os.__file__) + os.sep


def _user_frame() -> str | None:
    """``file:line: code`` of the innermost frame outside torch, Python's library and this package."""
    frame = sys._getframe(2)
    while frame is not None:
        file = frame.f_code.co_filename
        if not file.startswith((_TORCH_DIR, _PYTHON_DIR, "<")) and not os.path.abspath(file).startswith(_HERE):
            code = linecache.getline(file, frame.f_lineno).strip()
            return f"{os.path.basename(file)}:{frame.f_lineno}" + (f": {code}" if code else "")
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _visit(state: _Import, node: torch.fx.Node) -> None:
    if node.op == "placeholder":
        if _tensor_shape(node) is None:
            return  # an argument with a default that is not a tensor (a flag, an optional mask left out)
        if any(value.layer == INPUT for value in state.values.values()):
            raise _unsupported(state, node, "forward takes a second input; a netcheck network has one input")
        state.values[node] = _Value(INPUT, _shape_of(state, node), 4)
        return
    if node.op == "output":
        return
    if node.op == "get_attr":
        tensor = _attribute(state.root, str(node.target))
        if isinstance(tensor, torch.Tensor):
            state.params[node] = _Param(str(node.target), tensor, tuple(int(size) for size in tensor.shape))
        return
    if _tensor_shape(node) is None:
        if node.meta.get("netcheck_several"):
            _visit_several(state, node)
        return  # sizes, shapes and other non-tensor values: used as arguments only
    if node.op == "call_module":
        _visit_module(state, node, state.root.get_submodule(str(node.target)))
    else:
        _visit_function(state, node)
        _rebind_in_place(state, node)


def _rebind_in_place(state: _Import, node: torch.fx.Node) -> None:
    """After ``x.mul_(g)`` the name ``x`` holds the product: later readers of ``x`` read this node's layer."""
    method = str(node.target) if node.op == "call_method" else ""
    first = node.args[0] if node.args else None
    if method.endswith("_") and not method.endswith("__") and isinstance(first, torch.fx.Node) and \
            first in state.values and node in state.values:
        state.values[first] = state.values[node]


def _attribute(root: nn.Module, target: str) -> Any:
    found: Any = root
    for part in target.split("."):
        found = getattr(found, part, None)
    return found


# Assembly and verification ------------------------------------------------------------------------------------------


def _output_value(state: _Import, graph: torch.fx.Graph) -> _Value:
    output = next(node for node in graph.nodes if node.op == "output")
    result = output.args[0]
    if isinstance(result, dict) and len(result) == 1:
        result = next(iter(result.values()))  # torchvision's segmentation models return {"out": tensor}
    if not isinstance(result, torch.fx.Node):
        raise FromModuleError(f"forward returns {type(result).__name__}; the format describes one output tensor")
    if result in state.grouped or result in state.positions:
        shape = list(_tensor_shape(result) or ())
        raise _unsupported(state, result, f"it reshapes {shape[1:]} into a view no layer of the format reads on its "
                                          "own, and forward returns it")
    if result not in state.values:
        raise FromModuleError(f"forward returns {result.name}, which is not a layer's output")
    value = state.values[result]
    if value.layout != NCHW:
        raise FromModuleError("forward returns a channels-last (N x H x W x C) tensor; the format's output is "
                              "N x C x H x W")
    if value.layer == INPUT:
        raise FromModuleError("forward returns its input: the module has no layers the format can describe")
    return value


def _reachable(state: _Import, output: _Value) -> list[_Layer]:
    """The layers in traced order with the output's layer last, as the format wants.

    Values computed and never used stay (netcheck warns NC205 about them),
    except those computed from the output itself, which cannot come before
    it: they are left out with a warning.
    """
    after = {output.layer}
    for layer in state.layers:
        if any(source in after for source in layer.sources):
            after.add(layer.name)
    dropped = [layer.name for layer in state.layers if layer.name in after and layer.name != output.layer]
    if dropped:
        note = f"left out values computed from the output and never used: {', '.join(dropped)}"
        state.notes.append(note)
        warnings.warn(note, TorchImportWarning, stacklevel=3)
    last = next(layer for layer in state.layers if layer.name == output.layer)
    return [layer for layer in state.layers if layer.name not in after] + [last]


def _counts(layer: _Layer) -> tuple[int, int]:
    """PyTorch's trainable parameters and running statistics (BatchNorm's mean and variance) of a layer."""
    trainable = sum(tensor.numel() for _key, tensor in layer.tensors if isinstance(tensor, nn.Parameter))
    statistics = sum(tensor.numel() for key, tensor in layer.tensors if not isinstance(tensor, nn.Parameter)
                     and key.rsplit(".", 1)[-1] in ("running_mean", "running_var"))
    return trainable, statistics


def _assemble(state: _Import, layers: list[_Layer], shape: Shape, name: str, description: str | None,
              module: nn.Module, expect: bool, output: _Value) -> Network:
    data: dict[str, Any] = {"netcheck": 1, "name": name}
    used = {id(tensor) for layer in layers for _key, tensor in layer.tensors}
    unused = [key for key, parameter in module.named_parameters() if id(parameter) not in used]
    if unused:
        count = sum(parameter.numel() for key, parameter in module.named_parameters() if id(parameter) not in used)
        note = (f"{count:,} parameters are not used by the traced forward pass and are not in the spec "
                f"({', '.join(unused[:5])}{', …' if len(unused) > 5 else ''})")
        state.notes.append(note)
        warnings.warn(note, TorchImportWarning, stacklevel=3)
    texts = [description] if description else []
    texts.extend(note[0].upper() + note[1:] + "." for note in state.notes)
    if texts:
        data["description"] = " ".join(texts)
    data["input"] = str(shape)
    if any(layer.wants == "floor" for layer in layers):
        data["rounding"] = "floor"
    entries = []
    previous = INPUT
    for layer in layers:
        entry: dict[str, Any] = {"name": layer.name, "type": layer.fields["type"]}
        if layer.sources != [previous]:
            entry["inputs"] = layer.sources[0] if len(layer.sources) == 1 else list(layer.sources)
        entry.update({key: value for key, value in layer.fields.items() if key != "type"})
        entries.append(entry)
        previous = layer.name
    data["layers"] = entries
    if expect:
        trainable = sum(_counts(layer)[0] for layer in layers)
        statistics = sum(_counts(layer)[1] for layer in layers)
        data["expect"] = {"output": str(output.shape), "params": trainable + statistics,
                          "trainable_params": trainable, "non_trainable_params": statistics}
    try:
        return Network.model_validate(data)
    except Exception as error:  # pragma: no cover - the fields are built to fit the schema
        raise FromModuleError(f"the spec built for {name} does not fit the format: {error}") from error


def _verify(network: Network, layers: list[_Layer], state: _Import) -> None:
    """Check the spec with netcheck and compare every layer's shape and counts with what PyTorch computed."""
    report = check_network(network, Options(fixes=False))
    errors = [violation for violation in report.violations if violation.is_error]
    if errors:
        listing = "; ".join(f"{violation.code} {violation.layer or ''}: {violation.message}" for violation in errors)
        raise FromModuleError(f"the spec built from the module does not validate: {listing}")
    for row, layer in zip(report.rows, layers):
        traced = layer.shape or state.values[layer.node].shape
        trainable, statistics = _counts(layer)
        if row.output != traced:
            raise _unsupported(state, layer.node, f"netcheck computes {row.output} for {row.name} but PyTorch gives "
                                                  f"{traced}")
        if (row.trainable_params, row.non_trainable_params) != (trainable, statistics):
            raise _unsupported(state, layer.node, f"netcheck counts {row.trainable_params} + "
                                                  f"{row.non_trainable_params} parameters for {row.name} but PyTorch "
                                                  f"has {trainable} + {statistics}")
