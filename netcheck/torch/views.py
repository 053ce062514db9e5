"""from_module's views of a volume that are no layer alone: grouped views N x g x C/g x H x W (a channel shuffle's
first half, branches stacked on axis 1), ResNeSt's radix view, and a volume's positions in a row (GCNet's context).

A view is remembered (``state.grouped``, ``state.positions``) until what reads it
makes a layer of it: a transpose and a view back (channel_shuffle), a sum across
the groups (slices and an add), a softmax across them (group_softmax), a product
of two grouped views (multiply), or the product of position rows (context_pool2d).
"""

from __future__ import annotations

from typing import Any

import torch
import torch.fx

from netcheck.spec import Shape
from netcheck.torch.nodes import (
    NCHW,
    _alias,
    _arg,
    _emit,
    _Grouped,
    _Import,
    _source,
    _tensor_shape,
    _unsupported,
    _Value,
)

SAME_SHAPE_METHODS = frozenset({"contiguous", "clone", "detach", "float", "to", "type_as", "requires_grad_"})
RESHAPES = frozenset({"view", "reshape", "squeeze", "unsqueeze", "squeeze_", "unsqueeze_", "view_as", "reshape_as"})


def _dims(node: torch.fx.Node) -> tuple[int, ...]:
    """The permutation of ``x.permute(0, 2, 3, 1)``, ``x.permute((0, 2, 3, 1))`` or ``torch.permute(x, dims)``."""
    rest = [_arg(node, index, "dims") for index in range(1, len(node.args))] or [_arg(node, 1, "dims")]
    dims = rest[0] if len(rest) == 1 and isinstance(rest[0], (tuple, list)) else rest
    return tuple(int(dim) for dim in dims)



def _grouped_view(state: _Import, node: torch.fx.Node, source: _Value) -> bool:
    """``x.view(N, g, C // g, H, W)``: the first half of a channel shuffle; True when ``node`` is one."""
    shape = _tensor_shape(node) or ()
    if source.rank != 4 or source.layout != NCHW or len(shape) != 5:
        return False
    groups, per_group = shape[1], shape[2]
    if groups * per_group != source.shape.depth or (shape[3], shape[4]) != (source.shape.height, source.shape.width):
        return False
    state.grouped[node] = _Grouped(source, groups)
    return True


def _position_view(state: _Import, node: torch.fx.Node, source: _Value) -> bool:
    """``x.reshape(N, C, H * W)`` of a volume: its positions in a row (GCNet's context); True when ``node`` is one."""
    shape = _tensor_shape(node) or ()
    plane = source.shape.width * source.shape.height
    if len(shape) != 3 or source.rank != 4 or source.layout != NCHW or plane == 1 or \
            tuple(shape[1:]) != (source.shape.depth, plane):
        return False
    state.positions[node] = ("positions", source)
    return True


def _visit_positions(state: _Import, node: torch.fx.Node, name: str, kind: str, source: _Value) -> None:
    """GCNet's global context on position rows: ``softmax(dim=-1)`` of one channel's row is the weights;
    ``values @ weights`` (the rows unsqueezed to N x 1 x C x HW and N x 1 x HW x 1) is a context_pool2d of the two
    volumes, read back by a view to N x C x 1 x 1."""
    shape = _tensor_shape(node) or ()
    if name in SAME_SHAPE_METHODS or (name in ("unsqueeze", "unsqueeze_") and kind != "pooled"):
        state.positions[node] = (kind, source)
    elif name in ("softmax", "_softmax") and kind == "positions" and source.shape.depth == 1 and \
            _arg(node, 1, "dim") in (-1, len(shape) - 1):
        state.positions[node] = ("weights", source)
    elif name == "matmul" and kind == "positions" and _position_kind(state, node.args[1]) == "weights":
        scores = state.positions[node.args[1]][1]  # type: ignore[index]
        _emit(state, node, "context", {"type": "context_pool2d"}, [source, scores],
              shape=Shape(1, 1, source.shape.depth))
        state.positions[node] = ("pooled", state.values.pop(node))
    elif name in RESHAPES and kind == "pooled" and tuple(shape[1:]) in ((source.shape.depth, 1, 1),
                                                                        (source.shape.depth,)):
        _alias(state, node, source)
    else:
        raise _unsupported(state, node, "it works on the positions of a volume in a row (N x C x H·W); the format "
                                        "reads that only as GCNet's context pooling (softmax over the positions, "
                                        "then a product of rows)")


def _position_kind(state: _Import, argument: Any) -> str | None:
    """What a position row stands for (``positions``, ``weights``, ``pooled``), None for anything else."""
    found = state.positions.get(argument) if isinstance(argument, torch.fx.Node) else None
    return found[0] if found is not None else None


def _radix_view(state: _Import, node: torch.fx.Node, source: _Value) -> bool:
    """ResNeSt's ``x.view(N, 1, radix, -1)`` of a 1 x 1 volume or a vector (its rSoftMax); True when ``node`` is one."""
    shape = _tensor_shape(node) or ()
    plane = (source.shape.width, source.shape.height) == (1, 1)
    if len(shape) != 4 or not plane or source.layout != NCHW or shape[1] != 1 or shape[2] * shape[3] != \
            source.shape.depth or shape[2] < 2:
        return False
    state.grouped[node] = _Grouped(source, shape[2], radix=True)
    return True


def _visit_grouped(state: _Import, node: torch.fx.Node, name: str, grouped: _Grouped) -> None:
    """A grouped view read on: ``transpose(1, 2)`` then ``view(N, C, H, W)`` is channel_shuffle(g); across the
    groups (axis 1), ``sum`` adds them, ``softmax`` is a group_softmax and ``*`` multiplies two grouped views."""
    shape = _tensor_shape(node) or ()
    across = grouped.swapped == grouped.radix  # the groups are on axis 1
    if name in SAME_SHAPE_METHODS:
        state.grouped[node] = grouped
    elif _swaps_groups(node, name, 4 if grouped.radix else 5):
        state.grouped[node] = _Grouped(grouped.source, grouped.groups, not grouped.swapped, grouped.radix)
    elif name in RESHAPES | {"flatten"} and across and (len(shape) == grouped.source.rank or (
            len(shape) == 2 and (grouped.source.shape.width, grouped.source.shape.height) == (1, 1))):
        _alias(state, node, grouped.source)
    elif name in RESHAPES | {"flatten"} and len(shape) == 4 and not grouped.radix:
        _emit(state, node, "shuffle", {"type": "channel_shuffle", "groups": grouped.groups}, [grouped.source])
    elif name in ("softmax", "_softmax") and _arg(node, 1, "dim") in (1, -len(shape) + 1) and across:
        value = _grouped_layer(state, node, "softmax", {"type": "group_softmax", "groups": grouped.groups},
                               [grouped.source], grouped.source.shape)
        state.grouped[node] = _Grouped(value, grouped.groups, grouped.swapped, grouped.radix)
    elif name == "sum" and _arg(node, 1, "dim") in (1, (1,), [1]) and across and not grouped.radix and \
            not _arg(node, 2, "keepdim", False):
        _sum_groups(state, node, grouped)
    elif name in ("mul", "multiply") and not grouped.radix and across:
        _grouped_product(state, node, grouped)
    else:
        raise _unsupported(state, node, "it works on a N x g x C/g x H x W view; the format reads it as half of a "
                                        "channel shuffle (view, transpose(1, 2), view) or as branches (a sum, a "
                                        "softmax or a product across axis 1)")


def _grouped_layer(state: _Import, node: torch.fx.Node, base: str, fields: dict[str, Any], sources: list[_Value],
                   shape: Shape) -> _Value:
    """A layer on the channels behind grouped views: its value, of ``shape``, with the sources' rank (not the
    node's 5-D view)."""
    _emit(state, node, base, fields, sources, shape=shape)
    value = state.values.pop(node)
    return _Value(value.layer, shape, sources[0].rank, NCHW)


def _function_stack(state: _Import, node: torch.fx.Node) -> None:
    """``torch.stack(branches, dim=1)`` (SKNet): their concatenation, viewed as N x branches x C x H x W."""
    tensors, dim = list(_arg(node, 0, "tensors") or []), _arg(node, 1, "dim", 0)
    sources = [_source(state, node, tensor) for tensor in tensors]
    if dim != 1 or len(sources) < 2 or len({(source.shape, source.rank, source.layout) for source in sources}) != 1 \
            or sources[0].layout != NCHW or sources[0].rank != 4:
        raise _unsupported(state, node, "a stack the format reads is of equal N x C x H x W branches on axis 1")
    first = sources[0].shape
    value = _grouped_layer(state, node, "stack", {"type": "concat"}, sources,
                           Shape(first.width, first.height, first.depth * len(sources)))
    state.grouped[node] = _Grouped(value, len(sources))


def _sum_groups(state: _Import, node: torch.fx.Node, grouped: _Grouped) -> None:
    """``x.sum(1)`` of branches: each group's channels (a slice), then their add."""
    source, groups = grouped.source, grouped.groups
    size = source.shape.depth // groups
    pieces = [_grouped_layer(state, node, "branch", {"type": "slice", "channels": [index * size, (index + 1) * size]},
                             [source], Shape(source.shape.width, source.shape.height, size))
              for index in range(groups)]
    _emit(state, node, "add", {"type": "add"}, pieces)


def _grouped_product(state: _Import, node: torch.fx.Node, grouped: _Grouped) -> None:
    """Branches times their weights, both viewed as N x g x C/g x …: the product of the volumes behind them."""
    other = node.args[1] if len(node.args) > 1 else None
    theirs = state.grouped.get(other) if isinstance(other, torch.fx.Node) else None
    if theirs is None or theirs.groups != grouped.groups or theirs.radix or theirs.swapped != grouped.swapped:
        raise _unsupported(state, node, "a product of a grouped view with something not grouped alike")
    mine, their = grouped.source.shape, theirs.source.shape
    shape = Shape(max(mine.width, their.width), max(mine.height, their.height), max(mine.depth, their.depth))
    value = _grouped_layer(state, node, "multiply", {"type": "multiply"}, [grouped.source, theirs.source], shape)
    state.grouped[node] = _Grouped(value, grouped.groups)


def _swaps_groups(node: torch.fx.Node, name: str, rank: int = 5) -> bool:
    """``transpose(1, 2)`` or ``permute(0, 2, 1, …)`` of a grouped view of ``rank`` axes."""
    if name in ("transpose", "swapaxes", "swapdims"):
        return sorted(int(_arg(node, index, key)) % rank for index, key in ((1, "dim0"), (2, "dim1"))) == [1, 2]
    return name == "permute" and tuple(dim % rank for dim in _dims(node)) == (0, 2, 1, *range(3, rank))
