"""from_module's arithmetic on parameters: the weight standardisation timm's ``StdConv2d`` and ``ScaledStdConv2d``
compute in forward, read as a conv2d's ``weight_standardization``."""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch
import torch.fx

from netcheck import spec
from netcheck.torch.nodes import _arg, _Import, _is_number, _Param, _param, _tensor_shape, _unsupported


def _parameter_arithmetic(state: _Import, node: torch.fx.Node, name: str) -> bool:
    """A parameter times a number, or a weight standardised per filter: a derived parameter (weight standardisation).

    timm's ``StdConv2d`` and ``ScaledStdConv2d`` compute their weight as
    ``F.batch_norm(weight.reshape(1, K, -1), None, None, weight=(gain * scale).view(-1), training=True,
    momentum=0.)``; the conv2d that reads it is a conv2d with ``weight_standardization``.
    """
    arguments = list(node.args[:2])
    if any(isinstance(argument, torch.fx.Node) and argument in state.values for argument in arguments):
        return False
    if name in ("mul", "mul_"):
        params = [_param(state, argument) for argument in arguments]
        numbers: list[Any] = [argument for argument in arguments if _is_number(argument)]
        found = next((param for param in params if param is not None), None)
        if found is None or len(numbers) != 1 or len(arguments) != 2:
            return False
        state.params[node] = dataclasses.replace(found, shape=_tensor_shape(node) or (),
                                                 factor=found.factor * float(numbers[0]))
        return True
    if name != "batch_norm":
        return False
    weight = _param(state, node.args[0] if node.args else None)
    if weight is None or len(weight.shape) != 3 or weight.shape[0] != 1:
        return False
    mean, var, bias = _arg(node, 1, "running_mean"), _arg(node, 2, "running_var"), _arg(node, 4, "bias")
    gain = _param(state, _arg(node, 3, "weight"))
    if mean is not None or var is not None or bias is not None or not _arg(node, 5, "training", False) or \
            _arg(node, 6, "momentum", 0.1) != 0 or (gain is None and _arg(node, 3, "weight") is not None):
        raise _unsupported(state, node, "a batch_norm of a parameter that is not a weight standardisation "
                                        "(training=True, momentum=0, no statistics, no shift)")
    state.params[node] = dataclasses.replace(weight, standardized=(gain, float(_arg(node, 7, "eps", 1e-5))))
    return True



def _standardization(state: _Import, node: torch.fx.Node, weight: _Param,
                     tensors: list[tuple[str, torch.Tensor]]) -> Any:
    """A conv2d weight's ``weight_standardization`` field (None for a plain weight); its gain joins ``tensors``."""
    if weight.factor != 1.0:
        raise _unsupported(state, node, "its weight is multiplied by a number; the format's conv2d reads it as is")
    if weight.standardized is None:
        return None
    gain, eps = weight.standardized
    default = spec.WeightStandardization()
    if gain is None:
        return True if eps == default.eps else {"eps": eps}
    if gain.tensor.numel() != weight.shape[0] or gain.standardized is not None:
        raise _unsupported(state, node, f"its weight standardisation's gain {gain.key} has {gain.tensor.numel()} "
                                        f"values for {weight.shape[0]} filters")
    tensors.append((gain.key, gain.tensor))
    fan_in = weight.tensor[0].numel()
    fields: dict[str, Any] = {"gain": True}
    gamma = next((known for known in state.gammas if known * fan_in ** -0.5 == gain.factor), None) or \
        _gamma_of(gain.factor, fan_in)
    state.gammas.append(gamma)  # the next layers of the model most likely share it
    if gamma != default.gamma:
        fields["gamma"] = gamma
    if eps != default.eps:
        fields["eps"] = eps
    return fields


def _gamma_of(factor: float, fan_in: int) -> float:
    """γ with γ·fan_in^−½ == ``factor`` exactly (ScaledStdConv2d's ``scale``), in its shortest decimal form.

    γ = factor·√fan_in is off by a few units in the last place; the floats
    around it that give ``factor`` back are tried, the shortest written first.
    """
    rough = float(factor * fan_in ** 0.5)
    near = [rough]
    for _step in range(8):
        near = [math.nextafter(near[0], -math.inf), *near, math.nextafter(near[-1], math.inf)]
    exact = [value for value in near if value * fan_in ** -0.5 == factor] or [rough]
    for digits in range(1, 18):
        for value in sorted(exact, key=lambda value: abs(value - rough)):
            short = float(f"{value:.{digits}g}")
            if short * fan_in ** -0.5 == factor:
                return short
    return exact[0]
