"""The state of one from_module run and what every node visitor shares: shapes, sources, names, errors."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import torch
import torch.fx
from torch import nn

from netcheck.spec import LAYER_CLASSES, Shape
from netcheck.torch.build import INPUT
from netcheck.torch.errors import UnsupportedOp
from netcheck.torch.sizes import torch_shape

TRACE_BATCH = 2


NCHW, NHWC, N1C = "nchw", "nhwc", "n1c"
#: Where the channels sit in a tensor of each layout: N x C x H x W, N x H x W x C after a permute, and N x 1 x C,
#: the channels of a 1 x 1 volume as a sequence (ECA's view for its Conv1d over the channels).
CHANNEL_AXIS = {NCHW: 1, NHWC: 3, N1C: 2}


@dataclass(slots=True)
class _Value:
    """What a tensor node stands for: a layer's output (or the input), its netcheck shape and tensor rank.

    ``layout`` is ``nhwc`` for a volume permuted to channels-last (ConvNeXt's
    LayerNorm and Linear layers read it so); the netcheck shape is the same.
    """

    layer: str
    shape: Shape
    rank: int
    layout: str = NCHW


@dataclass(slots=True)
class _Param:
    """A parameter or buffer read by the forward code (an fx ``get_attr``), possibly reshaped.

    Arithmetic on parameters is followed as far as weight standardisation
    needs: ``factor`` is a number the tensor was multiplied by (NFNet's
    ``gain * scale``), ``standardized`` the gain (or None) and eps of a weight
    normalised per filter by ``F.batch_norm`` (timm's ``StdConv2d``).
    """

    key: str
    tensor: torch.Tensor
    shape: tuple[int, ...]
    factor: float = 1.0
    standardized: tuple[_Param | None, float] | None = None


@dataclass(slots=True)
class _Grouped:
    """A volume viewed as N x g x C/g x H x W (half of a channel shuffle, or branches stacked on axis 1);
    ``swapped`` after transposing 1 and 2. ``radix``: ResNeSt's N x 1 x g x C/g view of a 1 x 1 volume (its
    groups on axis 1 once swapped)."""

    source: _Value
    groups: int
    swapped: bool = False
    radix: bool = False


@dataclass(slots=True)
class _Pieces:
    """The tensors of a split or chunk along the channels: their channel ranges (start, stop) in ``source``."""

    source: _Value
    ranges: list[tuple[int, int]]


@dataclass(slots=True)
class _Layer:
    name: str
    fields: dict[str, Any]
    sources: list[str]
    node: torch.fx.Node
    tensors: list[tuple[str, torch.Tensor]]  # the parameters and buffers the layer owns, by key
    wants: str | None = None  # "floor" when the layer relies on floor rounding
    shape: Shape | None = None  # the output, when the layer is one of several a node becomes (else the node's)


@dataclass(slots=True)
class _Import:
    """The state of one from_module run."""

    root: nn.Module
    values: dict[torch.fx.Node, _Value] = field(default_factory=dict)
    layers: list[_Layer] = field(default_factory=list)
    names: set[str] = field(default_factory=lambda: {INPUT})
    owners: dict[int, str] = field(default_factory=dict)  # id of a parameter → the layer that owns it
    params: dict[torch.fx.Node, _Param] = field(default_factory=dict)
    grouped: dict[torch.fx.Node, _Grouped] = field(default_factory=dict)
    pieces: dict[torch.fx.Node, _Pieces] = field(default_factory=dict)
    max_pads: dict[torch.fx.Node, tuple[_Value, tuple[int, ...]]] = field(default_factory=dict)  # −inf pads
    positions: dict[torch.fx.Node, tuple[str, _Value]] = field(default_factory=dict)  # GCNet's N x C x HW views
    gammas: list[float] = field(default_factory=list)  # the γ of the weight standardisations read so far
    notes: list[str] = field(default_factory=list)
    paths: dict[str, tuple[str, ...]] = field(default_factory=dict)  # layer name → its module path, local name last


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


def _shape_of(state: _Import, node: torch.fx.Node, layout: str = NCHW) -> Shape:
    shape = _tensor_shape(node)
    if shape is not None and layout == NHWC and len(shape) == 4:
        shape = (shape[0], shape[3], shape[1], shape[2])
    if shape is not None and layout == N1C and len(shape) == 3 and shape[1] == 1:
        shape = (shape[0], shape[2])
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
    """An argument of the call by position or keyword, with fx nodes of plain values (sizes, counts) resolved."""
    if len(node.args) > index:
        return _concrete(node.args[index])
    return _concrete(node.kwargs.get(key, default))


def _concrete(argument: Any) -> Any:
    """``argument`` with each fx node that computed a plain value (an int, a size) replaced by that value."""
    if isinstance(argument, torch.fx.Node) and "netcheck_constant" in argument.meta:
        return argument.meta["netcheck_constant"]
    if isinstance(argument, (tuple, list)):
        return type(argument)(_concrete(item) for item in argument)
    if isinstance(argument, slice):
        return slice(_concrete(argument.start), _concrete(argument.stop), _concrete(argument.step))
    return argument


def _layer_name(state: _Import, node: torch.fx.Node, base: str, owner: str | None = None) -> str:
    """A unique layer name from the module path (``layer1_0_conv1``); its path (local name last) in ``state.paths``.

    A functional layer that uses all the parameters of the module it runs in
    (timm's ``BatchNormAct2d`` calling ``F.batch_norm``) is named as that
    ``owner`` module, so that its keys are the module's.
    """
    if owner is not None:
        candidate = owner.replace(".", "_")
    elif node.op == "call_module":
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
    if owner is not None or node.op == "call_module":
        *scope_parts, local = (owner or str(node.target)).split(".")
    else:
        stack = node.meta.get("nn_module_stack") or {}
        scope_path = str(list(stack.values())[-1][0]) if stack else ""
        scope_parts, local = (scope_path.split(".") if scope_path else []), base
    state.paths[name] = (*scope_parts, local + name[len(candidate):])
    return name


def _emit(state: _Import, node: torch.fx.Node, base: str, fields: dict[str, Any], sources: list[_Value],
          module: nn.Module | None = None, wants: str | None = None,
          tensors: list[tuple[str, torch.Tensor]] | None = None, channels_last: bool = False,
          shape: Shape | None = None) -> None:
    """Add a layer for ``node``: it owns ``module``'s parameters and buffers, or the ``tensors`` it reads.

    Only a layer that acts on each position's channels alike (``channels_last``)
    may read a channels-last volume; its output keeps the layout. ``shape`` is
    the output of a layer that is not the node's last (a negative padding: a
    crop, then a padding).
    """
    prefix = f"{node.target}." if node.op == "call_module" else ""
    owned = tensors if tensors is not None else _module_tensors(module, prefix)
    layout = sources[0].layout if sources else NCHW
    if any(source.layout != layout for source in sources):
        raise _unsupported(state, node, "it combines channels-first and channels-last tensors")
    if layout == NHWC and not channels_last:
        raise _unsupported(state, node, "it reads a channels-last (N x H x W x C) tensor; the format's layer reads "
                                        "N x C x H x W")
    if layout == N1C and not channels_last:
        raise _unsupported(state, node, "it reads the channels as a sequence (N x 1 x C); only element-wise layers "
                                        "and a Conv1d over them (channel_conv) read that view")
    rank = len(_tensor_shape(node) or ())
    if rank != {N1C: 3}.get(layout, 4):
        layout = NCHW
    name = _layer_name(state, node, base, _owner(state, node, owned) if tensors is not None else None)
    for key, tensor in owned:
        if id(tensor) in state.owners and isinstance(tensor, nn.Parameter):
            raise _unsupported(state, node, f"{key} is read again (first by {state.owners[id(tensor)]}): the calls "
                                            "share parameters, and each netcheck layer has its own")
        state.owners[id(tensor)] = name
    state.layers.append(_Layer(name, fields, [source.layer for source in sources], node, owned, wants, shape))
    state.values[node] = _Value(name, shape or _shape_of(state, node, layout), len(_tensor_shape(node) or ()), layout)


def _owner(state: _Import, node: torch.fx.Node, tensors: list[tuple[str, torch.Tensor]]) -> str | None:
    """The module a functional layer stands for: the one it runs in, when it uses all that module's parameters."""
    stack = node.meta.get("nn_module_stack") or {}
    scope = str(list(stack.values())[-1][0]) if stack else ""
    if not scope or not tensors or any(key.rpartition(".")[0] != scope for key, _tensor in tensors):
        return None
    try:
        module = state.root.get_submodule(scope)
    except AttributeError:
        return None
    used = {id(tensor) for _key, tensor in tensors}
    return scope if all(id(parameter) in used for parameter in module.parameters(recurse=False)) and not any(
        True for _child in module.children() if any(True for _ in _child.parameters())) else None


def _module_tensors(module: nn.Module | None, prefix: str) -> list[tuple[str, torch.Tensor]]:
    if module is None:
        return []
    return [(prefix + key, tensor) for key, tensor in (*module.named_parameters(), *module.named_buffers())]


def _changed(kind: str, **values: Any) -> dict[str, Any]:
    """The fields of a ``kind`` layer among ``values`` that differ from the format's defaults (written; the rest
    left out)."""
    defaults = LAYER_CLASSES[kind].model_fields
    return {key: value for key, value in values.items() if value != defaults[key].default}


def _is_number(value: Any) -> bool:
    """A finite int or float, not a bool."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _param(state: _Import, argument: Any) -> _Param | None:
    """The parameter or buffer an argument reads, or None."""
    if isinstance(argument, torch.fx.Node):
        return state.params.get(argument)
    return None


def _param_tensors(state: _Import, node: torch.fx.Node, arguments: list[Any]) -> list[tuple[str, torch.Tensor]]:
    """The parameters and buffers among a functional call's arguments (None skipped); anything else refused."""
    tensors = []
    for argument in arguments:
        if argument is None:
            continue
        found = _param(state, argument)
        if found is None:
            raise _unsupported(state, node, f"its weights {argument!r} are not parameters or buffers of the module")
        tensors.append((found.key, found.tensor))
    return tensors


def _alias(state: _Import, node: torch.fx.Node, source: _Value, layout: str | None = None) -> None:
    """``node`` gives ``source``'s tensor again (a copy, a view of the same shape, a permute to ``layout``)."""
    layout = layout or source.layout
    shape = _shape_of(state, node, layout)
    if shape != source.shape:
        raise _unsupported(state, node, f"it reshapes {source.shape} into {shape}, which no layer of the format does")
    state.values[node] = _Value(source.layer, shape, len(_tensor_shape(node) or ()), layout)
