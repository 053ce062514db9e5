"""from_module's second way in: record the calls a real forward pass makes, for models torch.fx cannot trace.

torch.fx runs ``forward`` on symbolic values, so code that branches on them
(timm's dynamic ``same`` padding, ``if x.shape[-1] > …``) cannot be traced. The
recorder runs the model once on zeros instead and writes an fx graph of what
ran: every leaf module called (the same leaves as tracing, ``trace.is_leaf``) as
``call_module``, every torch function and Tensor method on the way (seen through
``__torch_function__``) as ``call_function`` / ``call_method``, and the
parameters and buffers they read as ``get_attr``. Branches are taken as the run
took them, with the sizes of this input. The graph then goes through the same
node visitors as a traced one, so a recorded model gets the same checks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import torch
import torch.fx
from torch import nn
from torch.overrides import TorchFunctionMode
from torch.utils._pytree import tree_map

#: Tensor methods whose fx form is an operator (as tracing writes them).
_OPERATORS: dict[str, Callable[..., Any]] = {
    "__getitem__": operator.getitem, "__add__": operator.add, "__radd__": operator.add,
    "__iadd__": operator.iadd, "__mul__": operator.mul, "__rmul__": operator.mul, "__imul__": operator.imul,
    "__sub__": operator.sub, "__rsub__": operator.sub, "__truediv__": operator.truediv,
    "__matmul__": operator.matmul,
}
_REVERSED = frozenset({"__radd__", "__rmul__", "__rsub__"})


class _Recorder(TorchFunctionMode):
    """Writes the calls of one forward pass into ``graph``: tensors are known by identity (kept alive meanwhile)."""

    def __init__(self, root: nn.Module, is_leaf: Callable[[nn.Module], bool], describe: Callable[..., None],
                 where: Callable[[], str | None]) -> None:
        super().__init__()
        self.graph = torch.fx.Graph()
        self.root, self.is_leaf, self.describe, self.where = root, is_leaf, describe, where
        self.nodes: dict[int, torch.fx.Node] = {}
        self.alive: list[Any] = []  # every recorded tensor, so that no id is reused during the run
        self.paths = {id(module): path for path, module in root.named_modules()}
        self.tensors = {id(tensor): key for key, tensor in (*root.named_parameters(), *root.named_buffers())}
        self.stack: list[tuple[str, type]] = []
        self.inside_leaf = 0

    # Values -----------------------------------------------------------------------------------------------------

    def argument(self, value: Any) -> Any:
        """A call's argument as the graph sees it: a recorded tensor's node, a parameter's get_attr, or the value."""
        if not isinstance(value, torch.Tensor):
            return value
        if id(value) in self.nodes:
            return self.nodes[id(value)]
        key = self.tensors.get(id(value))
        node = self.graph.get_attr(key) if key is not None else self.graph.call_function(_constant, ())
        self.remember(value, node)
        return node

    def remember(self, value: Any, node: torch.fx.Node) -> None:
        self.describe(node, value)
        if self.stack:
            node.meta["nn_module_stack"] = {path: (path, kind) for path, kind in self.stack}
        node.meta["netcheck_source"] = self.where()
        for item in (value if isinstance(value, (tuple, list)) else [value]):
            if isinstance(item, torch.Tensor):
                self.nodes[id(item)] = node
                self.alive.append(item)
        self.alive.append(value)
        if isinstance(value, (tuple, list)):
            for index, item in enumerate(value):
                if isinstance(item, torch.Tensor):
                    piece = self.graph.call_function(operator.getitem, (node, index))
                    self.describe(piece, item)
                    piece.meta.update({key: node.meta[key] for key in ("nn_module_stack", "netcheck_source")
                                       if key in node.meta})
                    self.nodes[id(item)] = piece

    # Calls ------------------------------------------------------------------------------------------------------

    def __torch_function__(self, func: Any, types: Any, args: tuple[Any, ...] = (),
                           kwargs: dict[str, Any] | None = None) -> Any:
        kwargs = kwargs or {}
        result = func(*args, **kwargs)
        if self.inside_leaf or not _gives_tensors(result):
            return result
        mapped_args = tree_map(self.argument, args)
        mapped_kwargs = tree_map(self.argument, kwargs)
        name = getattr(func, "__name__", "")
        if _is_method(func):
            if name in _OPERATORS:
                if name in _REVERSED:
                    mapped_args = (mapped_args[1], mapped_args[0], *mapped_args[2:])
                node = self.graph.call_function(_OPERATORS[name], tuple(mapped_args), mapped_kwargs)
            else:
                node = self.graph.call_method(name.strip("_") if name.startswith("__") else name,
                                              tuple(mapped_args), mapped_kwargs)
        else:
            node = self.graph.call_function(func, tuple(mapped_args), mapped_kwargs)
        self.remember(result, node)
        return result

    def before(self, module: nn.Module, inputs: tuple[Any, ...]) -> None:
        path = self.paths.get(id(module))
        if self.inside_leaf:
            self.inside_leaf += 1
            return
        self.stack.append((path if path is not None else type(module).__name__, type(module)))
        if path is not None and path and self.is_leaf(module):
            self.inside_leaf = 1
            module.__dict__["_netcheck_inputs"] = tree_map(self.argument, inputs)

    def after(self, module: nn.Module, inputs: tuple[Any, ...], output: Any) -> None:
        if self.inside_leaf > 1:
            self.inside_leaf -= 1
            return
        if self.inside_leaf == 1:
            self.inside_leaf = 0
            arguments = module.__dict__.pop("_netcheck_inputs")
            node = self.graph.call_module(self.paths[id(module)], tuple(arguments))
            self.remember(output, node)
        self.stack.pop()


def _constant(*_args: Any) -> None:
    """Stands in the graph for a tensor the forward code made itself (not a layer's output, not a parameter)."""


def _gives_tensors(result: Any) -> bool:
    if isinstance(result, torch.Tensor):
        return True
    return isinstance(result, (tuple, list)) and bool(result) and all(isinstance(item, torch.Tensor)
                                                                        for item in result)


def _is_method(func: Any) -> bool:
    owner = getattr(func, "__objclass__", None)
    if owner is not None:
        return issubclass(torch.Tensor, owner)
    return str(getattr(func, "__qualname__", "")).startswith("Tensor.")


@contextmanager
def _hooks(recorder: _Recorder) -> Iterator[None]:
    handles = [nn.modules.module.register_module_forward_pre_hook(recorder.before),
               nn.modules.module.register_module_forward_hook(recorder.after)]
    try:
        yield
    finally:
        for handle in handles:
            handle.remove()


def record(module: nn.Module, zeros: torch.Tensor, is_leaf: Callable[[nn.Module], bool],
           describe: Callable[..., None], where: Callable[[], str | None]) -> torch.fx.Graph:
    """Run ``module`` on ``zeros`` once and return the fx graph of the calls it made, shapes in each node's meta.

    ``describe(node, value)`` records a value's shape in the node's meta;
    ``where()`` gives the user's source line of the call being recorded.
    """
    recorder = _Recorder(module, is_leaf, describe, where)
    placeholder = recorder.graph.placeholder("x")
    recorder.remember(zeros, placeholder)
    with _hooks(recorder), recorder:
        output = module(zeros)
    if isinstance(output, dict) and len(output) == 1:
        output = next(iter(output.values()))
    recorder.graph.output(recorder.argument(output) if isinstance(output, torch.Tensor) else output)
    _prune(recorder.graph)
    return recorder.graph


def _prune(graph: torch.fx.Graph) -> None:
    """Leave out the calls whose results never reach the output: tests that chose a branch (``if y.sum() > 0``)."""
    needed: set[torch.fx.Node] = set()
    for node in reversed(graph.nodes):
        if node.op in ("output", "placeholder") or node in needed:
            needed.add(node)
            needed.update(node.all_input_nodes)
    for node in reversed(graph.nodes):
        if node not in needed:
            graph.erase_node(node)
