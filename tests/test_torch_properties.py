"""Hypothesis against PyTorch itself: single layers through ``torch.nn.functional``, and random whole networks.

For random sizes, kernels, strides, paddings, dilations, groups,
output_paddings and roundings, PyTorch's own ops must produce netcheck's
output size whenever netcheck says the layer is valid, and raise where
netcheck reports NC102 (or NC104, or NC301: what PyTorch refuses). Random
valid networks (chains and graphs with add/concat branches) must agree with
PyTorch layer by layer, in shapes and parameter counts, and survive the round
trip through ``from_module``.

``AGREEMENT`` tallies what was compared; ``test_zz_agreement_report`` prints it.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest

torch = pytest.importorskip("torch")

from hypothesis import HealthCheck, assume, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from test_torch import assert_parity, assert_round_trip  # noqa: E402
from torch.nn import functional as F  # noqa: E402

from netcheck.checker import check_network  # noqa: E402
from netcheck.results import Options  # noqa: E402
from netcheck.spec import Network, Shape  # noqa: E402
from netcheck.torch import _has, to_module, torch_shape  # noqa: E402

AGREEMENT: Counter[str] = Counter()
ROUNDINGS = st.sampled_from(["strict", "floor", "ceil"])
SIZE = st.integers(1, 12)
DILATIONS = st.sampled_from([1, 1, 1, 2, 3])
GROUPS = st.sampled_from([1, 1, 1, 2, 3])
POOL_PADDINGS = st.sampled_from([0, 0, 0, 1, 1, 2, 3])


def check_layer(layer: dict[str, Any], width: int, height: int, depth: int, rounding: str) -> tuple[
        Shape | None, set[str]]:
    """netcheck's output shape for one layer (None when it has none) and the codes it reports."""
    network = Network.model_validate({"name": "one", "input": f"{width}x{height}x{depth}", "rounding": rounding,
                                      "layers": [layer]})
    report = check_network(network, Options(fixes=False))
    return report.rows[0].output, {violation.code for violation in report.violations}


def valid(codes: set[str]) -> bool:
    """True when netcheck reports no error (so that to_module builds the layer)."""
    return not any(code.startswith(("NC0", "NC1")) for code in codes)


def pytorch(call: Any) -> Shape | None:
    """The output of a PyTorch call as W x H x D, or None when PyTorch refuses it or gives an empty tensor.

    (A transposed convolution whose output size is exactly 0 gives an empty
    tensor instead of an error; netcheck reports NC102 for it.)
    """
    try:
        with torch.no_grad():
            shape = torch_shape(call().shape)
    except (RuntimeError, ValueError):  # ValueError: a layer PyTorch will not even construct
        return None
    return None if 0 in shape else shape


def built(layer: dict[str, Any], width: int, height: int, depth: int, rounding: str) -> Shape:
    """The output of netcheck.torch's module for the layer (for what PyTorch has no op of its own)."""
    network = Network.model_validate({"name": "one", "input": f"{width}x{height}x{depth}", "rounding": rounding,
                                      "layers": [layer]})
    module = to_module(network).eval()
    with torch.no_grad():
        return torch_shape(module(torch.zeros(1, depth, height, width)).shape)


def axis_pair(values: st.SearchStrategy[int]) -> st.SearchStrategy[tuple[int, int]]:
    return st.one_of(values.map(lambda value: (value, value)), st.tuples(values, values))


def spec_size(pair: tuple[int, int]) -> int | dict[str, int]:
    return pair[0] if pair[0] == pair[1] else {"width": pair[0], "height": pair[1]}


# Single layers against torch.nn.functional -------------------------------------------------------------------------


@settings(max_examples=400, deadline=None)
@given(width=SIZE, height=SIZE, depth=st.integers(1, 4), filters=st.integers(1, 4),
       kernel=axis_pair(st.integers(1, 5)), stride=axis_pair(st.integers(1, 4)),
       padding=st.one_of(axis_pair(st.integers(0, 3)), st.sampled_from(["same", "valid"])),
       dilation=axis_pair(DILATIONS), groups=GROUPS, rounding=ROUNDINGS)
def test_conv2d_agrees_with_pytorch(width: int, height: int, depth: int, filters: int, kernel: tuple[int, int],
                                    stride: tuple[int, int], padding: Any, dilation: tuple[int, int], groups: int,
                                    rounding: str) -> None:
    layer = {"type": "conv2d", "filters": filters, "kernel": spec_size(kernel), "stride": spec_size(stride),
             "padding": padding if isinstance(padding, str) else spec_size(padding),
             "dilation": spec_size(dilation), "groups": groups}
    shape, codes = check_layer(layer, width, height, depth, rounding)
    x = torch.zeros(1, depth, height, width)
    weight = lambda: torch.nn.Conv2d(depth, filters, (kernel[1], kernel[0]), groups=groups).weight  # noqa: E731
    torch_padding: Any = padding if isinstance(padding, str) else (padding[1], padding[0])
    torch_stride, torch_dilation = (stride[1], stride[0]), (dilation[1], dilation[0])
    if padding == "same" and stride != (1, 1):
        # PyTorch refuses padding='same' with a stride; netcheck's module pads explicitly instead.
        assert pytorch(lambda: F.conv2d(x, weight(), None, torch_stride, "same", torch_dilation, groups)) is None
        if valid(codes):
            assert built(layer, width, height, depth, rounding) == shape
            AGREEMENT["conv2d same+stride (netcheck module)"] += 1
        return
    actual = pytorch(lambda: F.conv2d(x, weight(), None, torch_stride, torch_padding, torch_dilation, groups))
    if "NC104" in codes or "NC102" in codes:
        assert actual is None, (codes, actual)
        AGREEMENT["conv2d refused by both"] += 1
        return
    if rounding == "ceil" and "NC201" in codes and actual != shape:
        # PyTorch's convolution has no ceil mode: netcheck's module pads the right/bottom instead.
        assert built(layer, width, height, depth, rounding) == shape
        AGREEMENT["conv2d ceil (netcheck module)"] += 1
        return
    assert actual == shape
    AGREEMENT["conv2d vs F.conv2d"] += 1


@settings(max_examples=400, deadline=None)
@given(width=SIZE, height=SIZE, depth=st.integers(1, 4), filters=st.integers(1, 4),
       kernel=axis_pair(st.integers(1, 5)), stride=axis_pair(st.integers(1, 4)),
       padding=st.one_of(axis_pair(st.integers(0, 3)), st.sampled_from(["same", "valid"])),
       output_padding=axis_pair(st.sampled_from([0, 0, 0, 1, 1, 2, 3])), dilation=axis_pair(DILATIONS),
       groups=GROUPS)
def test_conv_transpose2d_agrees_with_pytorch(width: int, height: int, depth: int, filters: int,
                                              kernel: tuple[int, int], stride: tuple[int, int], padding: Any,
                                              output_padding: tuple[int, int], dilation: tuple[int, int],
                                              groups: int) -> None:
    layer = {"type": "conv_transpose2d", "filters": filters, "kernel": spec_size(kernel),
             "stride": spec_size(stride), "padding": padding if isinstance(padding, str) else spec_size(padding),
             "output_padding": spec_size(output_padding), "dilation": spec_size(dilation), "groups": groups}
    shape, codes = check_layer(layer, width, height, depth, "strict")
    if isinstance(padding, str) and padding == "same":
        # PyTorch's transposed convolution has no same padding: netcheck's module crops explicitly.
        if valid(codes):
            assert built(layer, width, height, depth, "strict") == shape
            AGREEMENT["conv_transpose2d same (netcheck module)"] += 1
        return
    pads = (0, 0) if padding == "valid" else padding
    x = torch.zeros(1, depth, height, width)
    weight = lambda: torch.nn.ConvTranspose2d(depth, filters, (kernel[1], kernel[0]), groups=groups).weight  # noqa: E731
    actual = pytorch(lambda: F.conv_transpose2d(x, weight(), None, (stride[1], stride[0]), (pads[1], pads[0]),
                                                (output_padding[1], output_padding[0]), groups,
                                                (dilation[1], dilation[0])))
    if codes & {"NC102", "NC104", "NC301"}:
        assert actual is None, (codes, actual)
        AGREEMENT["conv_transpose2d refused by both"] += 1
        if valid(codes):
            assert built(layer, width, height, depth, "strict") == shape  # emulated: output_padding as zeros
        return
    assert actual == shape
    AGREEMENT["conv_transpose2d vs F.conv_transpose2d"] += 1


@settings(max_examples=400, deadline=None)
@given(width=SIZE, height=SIZE, depth=st.integers(1, 3), kernel=axis_pair(st.integers(1, 5)),
       stride=st.one_of(st.none(), axis_pair(st.integers(1, 4))),
       padding=st.one_of(axis_pair(POOL_PADDINGS), st.sampled_from(["same", "valid"])),
       dilation=axis_pair(DILATIONS), rounding=ROUNDINGS, kind=st.sampled_from(["maxpool2d", "avgpool2d"]))
def test_pooling_agrees_with_pytorch(width: int, height: int, depth: int, kernel: tuple[int, int],
                                     stride: tuple[int, int] | None, padding: Any, dilation: tuple[int, int],
                                     rounding: str, kind: str) -> None:
    if kind == "avgpool2d":
        dilation = (1, 1)
    layer: dict[str, Any] = {"type": kind, "kernel": spec_size(kernel),
                             "padding": padding if isinstance(padding, str) else spec_size(padding)}
    if stride is not None:
        layer["stride"] = spec_size(stride)
    if kind == "maxpool2d":
        layer["dilation"] = spec_size(dilation)
    shape, codes = check_layer(layer, width, height, depth, rounding)
    if isinstance(padding, str) and padding == "same":
        # PyTorch's pooling has no same padding: netcheck's module pads explicitly.
        if valid(codes):
            assert built(layer, width, height, depth, rounding) == shape
        AGREEMENT[f"{kind} same (netcheck module)"] += 1
        return
    pads = (0, 0) if padding == "valid" else padding
    strides = stride or kernel
    x = torch.zeros(1, depth, height, width)
    if kind == "maxpool2d":
        actual = pytorch(lambda: F.max_pool2d(x, (kernel[1], kernel[0]), (strides[1], strides[0]),
                                              (pads[1], pads[0]), (dilation[1], dilation[0]),
                                              ceil_mode=rounding == "ceil"))
    else:
        actual = pytorch(lambda: F.avg_pool2d(x, (kernel[1], kernel[0]), (strides[1], strides[0]),
                                              (pads[1], pads[0]), ceil_mode=rounding == "ceil"))
    if "NC301" in codes:
        assert actual is None  # PyTorch refuses padding over half the kernel, as netcheck warns
        AGREEMENT[f"{kind} NC301 refused by PyTorch"] += 1
        if valid(codes):
            assert built(layer, width, height, depth, rounding) == shape
        return
    if "NC102" in codes:
        assert actual is None, (codes, actual)
        AGREEMENT[f"{kind} refused by both"] += 1
        return
    assert actual == shape, (codes, actual, shape)
    AGREEMENT[f"{kind} vs F.{'max' if kind == 'maxpool2d' else 'avg'}_pool2d"] += 1


# Random whole networks ---------------------------------------------------------------------------------------------

FUNCTIONS = ["relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish", "sigmoid",
             "hardsigmoid", "hardswish", "tanh", "softmax", "log_softmax", "softplus", "softsign", "identity",
             "linear"]
MAX_VALUES = 3000


def _divisors(value: int) -> list[int]:
    return [divisor for divisor in range(1, value + 1) if value % divisor == 0]


def draw_layer(draw: Any, kind: str, shape: Shape) -> dict[str, Any]:
    small = st.integers(1, 4)
    sizes = st.one_of(small, st.builds(lambda w, h: {"width": w, "height": h}, small, small))
    rounding = st.sampled_from([None, None, "strict", "floor", "ceil"])
    layer: dict[str, Any] = {"type": kind}
    if kind in ("conv2d", "conv_transpose2d"):
        groups = draw(st.sampled_from(_divisors(shape.depth)))
        layer.update(filters=groups * draw(st.integers(1, 3)), kernel=draw(sizes), groups=groups,
                     stride=draw(st.one_of(st.just(1), sizes)), dilation=draw(st.one_of(st.just(1), sizes)),
                     padding=draw(st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"]))),
                     bias=draw(st.booleans()), activation=draw(st.sampled_from([None, *FUNCTIONS])))
        if kind == "conv2d":
            layer["rounding"] = draw(rounding)
        else:
            layer["output_padding"] = draw(st.integers(0, 2))
    elif kind in ("maxpool2d", "avgpool2d"):
        layer.update(kernel=draw(sizes), stride=draw(st.one_of(st.none(), sizes)),
                     padding=draw(st.one_of(st.integers(0, 2), st.sampled_from(["same", "valid"]))),
                     rounding=draw(rounding))
        if kind == "maxpool2d":
            layer["dilation"] = draw(st.one_of(st.just(1), sizes))
        elif _has("avgpool2d", "count_include_pad"):
            layer["count_include_pad"] = draw(st.sampled_from([None, False]))
    elif kind in ("adaptive_avgpool2d", "adaptive_maxpool2d"):
        layer["output"] = draw(st.one_of(small, st.builds(lambda w, h: f"{w}x{h}", small, small)))
    elif kind == "zeropad2d":
        layer["padding"] = draw(st.one_of(st.integers(0, 2), st.fixed_dictionaries(
            {}, optional={side: st.integers(0, 2) for side in ("top", "bottom", "left", "right")})))
    elif kind == "upsample2d":
        layer.update(scale=draw(st.one_of(st.integers(1, 3), st.builds(
            lambda w, h: {"width": w, "height": h}, st.integers(1, 3), st.integers(1, 3)))),
            mode=draw(st.sampled_from(["nearest", "bilinear"])))
    elif kind == "dense":
        layer.update(units=draw(st.integers(1, 8)), bias=draw(st.booleans()),
                     activation=draw(st.sampled_from([None, *FUNCTIONS])))
    elif kind == "batchnorm2d":
        layer["affine"] = draw(st.booleans())
        if _has("batchnorm2d", "eps"):
            layer.update(eps=draw(st.sampled_from([None, 1e-3])), momentum=draw(st.sampled_from([None, 0.01])))
    elif kind == "lrn":
        layer["size"] = draw(st.integers(1, 5))
        if _has("lrn", "alpha"):
            layer.update(alpha=draw(st.sampled_from([None, 2e-4])), k=draw(st.sampled_from([None, 2.0])))
    elif kind == "dropout":
        layer["rate"] = draw(st.sampled_from([0.0, 0.1, 0.5]))
    elif kind == "activation":
        layer["function"] = draw(st.sampled_from(FUNCTIONS))
        if layer["function"] == "leaky_relu" and _has("activation", "negative_slope"):
            layer["negative_slope"] = draw(st.sampled_from([None, 0.2]))
    return {key: value for key, value in layer.items() if value is not None}


KINDS = ["conv2d", "conv2d", "conv2d", "conv_transpose2d", "maxpool2d", "avgpool2d", "global_avgpool2d",
         "global_maxpool2d", "adaptive_avgpool2d", "adaptive_maxpool2d", "zeropad2d", "upsample2d", "flatten",
         "dense", "batchnorm2d", "lrn", "dropout", "activation"]


@st.composite
def networks(draw: Any, branches: bool) -> Network:
    """A random network that netcheck finds valid; with ``branches``, layers may read any earlier layer."""
    start = Shape(draw(SIZE), draw(SIZE), draw(st.integers(1, 4)))
    data: dict[str, Any] = {"name": "random", "input": str(start), "rounding": draw(ROUNDINGS), "layers": []}
    shapes: dict[str, Shape] = {"input": start}
    for index in range(draw(st.integers(1, 8))):
        names = list(shapes)
        previous = names[-1]
        source = draw(st.sampled_from(names)) if branches and draw(st.booleans()) else previous
        kinds = [*KINDS, "add", "add", "add", "concat", "concat"] if branches else KINDS
        kind = draw(st.sampled_from(kinds))
        name = f"l{index}"
        if kind in ("add", "concat"):
            fits = [other for other in names if (shapes[other] == shapes[source] if kind == "add" else
                                                 shapes[other][:2] == shapes[source][:2])]
            others = draw(st.lists(st.sampled_from(fits), min_size=1, max_size=2))
            layer: dict[str, Any] = {"type": kind, "inputs": [source, *others]}
        else:
            layer = draw_layer(draw, kind, shapes[source])
            if source != previous:
                layer["inputs"] = source
        added = [layer]
        if kind == "dense" and shapes[source][:2] != (1, 1):  # a dense needs a vector: flatten first
            added = [{"type": "flatten", "name": f"{name}_flat", "inputs": source},
                     {**layer, "inputs": f"{name}_flat"}]
        layer["name"] = added[-1]["name"] = name
        candidate = Network.model_validate({**data, "layers": [*data["layers"], *added]})
        report = check_network(candidate, Options(fixes=False))
        outputs = [row.output for row in report.rows[-len(added):]]
        if not report.ok or None in outputs or any(output.width * output.height * output.depth > MAX_VALUES
                                                   for output in outputs if output is not None):
            continue
        data["layers"].extend(added)
        for entry, output in zip(added, outputs):
            assert output is not None
            shapes[entry["name"]] = output
    assume(data["layers"])
    return Network.model_validate(data)


def _agree(network: Network) -> None:
    module, count = assert_parity(network)
    assert_round_trip(network, module)
    AGREEMENT["random networks"] += 1
    AGREEMENT["random network layers"] += count
    for layer in network.layers:
        AGREEMENT[f"random layer {layer.type}"] += 1


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(network=networks(branches=False))
def test_random_chains_agree_with_pytorch(network: Network) -> None:
    _agree(network)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(network=networks(branches=True))
def test_random_graphs_agree_with_pytorch(network: Network) -> None:
    _agree(network)


def test_zz_agreement_report(capsys: pytest.CaptureFixture[str]) -> None:
    """Print what the property tests compared (run with -s to see it)."""
    with capsys.disabled():
        for key, count in sorted(AGREEMENT.items()):
            print(f"  {key}: {count}")
