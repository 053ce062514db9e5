"""The state of one from_module run and what every node visitor shares: shapes, sources, names, errors."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch import nn

from netcheck.spec import Shape
from netcheck.torch.build import INPUT
from netcheck.torch.errors import UnsupportedOp
from netcheck.torch.sizes import torch_shape

TRACE_BATCH = 2


@dataclass(slots=True)
class _Value:
    """What a tensor node stands for: a layer's output (or the input), its netcheck shape and tensor rank."""

    layer: str
    shape: Shape
    rank: int


@dataclass(slots=True)
class _Layer:
    name: str
    fields: dict[str, Any]
    sources: list[str]
    node: torch.fx.Node
    module: nn.Module | None
    wants: str | None = None  # "floor" when the layer relies on floor rounding


@dataclass(slots=True)
class _Import:
    """The state of one from_module run."""

    root: nn.Module
    values: dict[torch.fx.Node, _Value] = field(default_factory=dict)
    layers: list[_Layer] = field(default_factory=list)
    names: set[str] = field(default_factory=lambda: {INPUT})
    calls: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _where(node: torch.fx.Node) -> str:
    """Where a node sits: the innermost module's path and class, and the user's source line."""
    parts = []
    stack = node.meta.get("nn_module_stack") or {}
    if stack:
        path, kind = list(stack.values())[-1]
        kind_name = getattr(kind, "__name__", str(kind))
        parts.append(f"in {path or 'the root'} ({kind_name})")
    source = node.meta.get("netcheck_source")
    if source:
        parts.append(f"at {source}")
    return ", " + ", ".join(parts) if parts else ""


def _op_name(node: torch.fx.Node, root: nn.Module) -> str:
    if node.op == "call_module":
        module = root.get_submodule(str(node.target))
        return f"{type(module).__module__}.{type(module).__qualname__}"
    if node.op == "call_method":
        return f"Tensor.{node.target}"
    target = node.target
    if isinstance(target, str):
        return target
    module_name = getattr(target, "__module__", None) or ""
    module_name = {"_operator": "operator", "torch._C._nn": "torch.nn.functional",
                   "torch._C._VariableFunctions": "torch"}.get(module_name, module_name)
    return f"{module_name}.{getattr(target, '__name__', repr(target))}".lstrip(".")


def _unsupported(state: _Import, node: torch.fx.Node, reason: str) -> UnsupportedOp:
    return UnsupportedOp(_op_name(node, state.root), node.name, _where(node), reason)


def _tensor_shape(node: torch.fx.Node) -> tuple[int, ...] | None:
    shape: tuple[int, ...] | None = node.meta.get("netcheck_shape")
    return shape


def _shape_of(state: _Import, node: torch.fx.Node) -> Shape:
    shape = _tensor_shape(node)
    if shape is None or len(shape) not in (2, 4):
        rank = "no tensor" if shape is None else f"a {len(shape)}-D tensor {list(shape)}"
        raise _unsupported(state, node, f"it gives {rank}; the format describes volumes N x C x H x W and "
                                        "vectors N x C")
    if shape[0] != TRACE_BATCH:
        raise _unsupported(state, node, f"it changes the batch axis ({TRACE_BATCH} → {shape[0]})")
    return torch_shape(shape)


def _source(state: _Import, node: torch.fx.Node, argument: Any) -> _Value:
    if isinstance(argument, torch.fx.Node) and argument in state.values:
        return state.values[argument]
    what = f"the parameter or buffer {argument.target}" if isinstance(argument, torch.fx.Node) and \
        argument.op == "get_attr" else f"{argument!r}"
    raise _unsupported(state, node, f"it reads {what}, which is not the output of a layer the format can express")


def _arg(node: torch.fx.Node, index: int, key: str, default: Any = None) -> Any:
    if len(node.args) > index:
        return node.args[index]
    return node.kwargs.get(key, default)


def _layer_name(state: _Import, node: torch.fx.Node, base: str) -> str:
    if node.op == "call_module":
        candidate = str(node.target).replace(".", "_")
    else:
        stack = node.meta.get("nn_module_stack") or {}
        scope = str(list(stack.values())[-1][0]).replace(".", "_") if stack else ""
        candidate = f"{scope}_{base}" if scope else base
    name, suffix = candidate, 1
    while name in state.names:
        suffix += 1
        name = f"{candidate}_{suffix}"
    state.names.add(name)
    return name


def _emit(state: _Import, node: torch.fx.Node, base: str, fields: dict[str, Any], sources: list[_Value],
          module: nn.Module | None = None, wants: str | None = None) -> None:
    if module is not None:
        target = str(node.target)
        state.calls[target] = state.calls.get(target, 0) + 1
        if state.calls[target] > 1 and any(True for _ in module.parameters()):
            raise _unsupported(state, node, f"the module {target} is called {state.calls[target]} times and shares "
                                            "its parameters; each netcheck layer has its own")
    name = _layer_name(state, node, base)
    state.layers.append(_Layer(name, fields, [source.layer for source in sources], node, module, wants))
    shape = _shape_of(state, node)
    state.values[node] = _Value(name, shape, len(_tensor_shape(node) or ()))


def _alias(state: _Import, node: torch.fx.Node, source: _Value) -> None:
    shape = _shape_of(state, node)
    if shape != source.shape:
        raise _unsupported(state, node, f"it reshapes {source.shape} into {shape}, which no layer of the format does")
    state.values[node] = _Value(source.layer, shape, len(_tensor_shape(node) or ()))
