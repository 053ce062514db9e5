"""What each layer type computes, in words: its output shape, counts and codes (one entry per type).

The format reference (``docs/format.md``, written by ``scripts/format_reference.py``)
and ``netcheck explain <layer type>`` both print these. Formulas use the
reference's notation (W, H, D the input; K filters; F kernel; S stride; P
padding); links point into the reference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Arithmetic:
    """What a layer type computes, in words: its output shape and counts, and the codes it can report.

    ``unshared`` is None where unshared parameters equal parameters; ``macs`` is "0" where none are counted.
    """

    output: str
    trainable: str = "0"
    non_trainable: str = "0"
    unshared: str | None = None
    macs: str = "0"
    codes: tuple[str, ...] = ()
    notes: str = ""


_WINDOW = ("W_out × H_out × {depth}, each axis by the [sliding-window rule](#sliding-windows) with F = `kernel`, "
           "S = `stride`, P = `padding`{dilation}")
_POOL_NOTE = ("`stride` defaults to `kernel`. NC301 when 2·P > F on an axis (F undilated, explicit padding): "
              "PyTorch refuses such a pool.")
_WINDOW_CODES = ("NC101", "NC102", "NC201", "NC202", "NC203", "NC204")
_SAME = "W × H × D (the input's shape)"
_AFFINE = "2·D with `affine: true`, else 0"
_GROUPS_NOTE = "`groups` must divide D (NC104); the shape and the counts are passed on all the same."

ARITHMETIC: dict[str, Arithmetic] = {
    "conv2d": Arithmetic(
        output=_WINDOW.format(depth="K", dilation=", `dilation`") + "; K = `filters`",
        trainable="F_w·F_h·(D/groups)·K, + K with `bias: true`, + K with `weight_standardization: {gain: true}`",
        unshared="(F_w·F_h·D/groups + 1)·W_out·H_out·K with `bias: true`, F_w·F_h·(D/groups)·W_out·H_out·K without "
                 "(+ K gains, not per position)",
        macs="W_out·H_out·K·F_w·F_h·D/groups",
        codes=(*_WINDOW_CODES, "NC104"),
        notes="`groups` must divide D and K (NC104: the shape is passed on, the counts are unknown). "
              "`activation` adds no parameters. `weight_standardization` normalises each filter's weights before "
              "use; only its gain adds parameters.",
    ),
    "cond_conv2d": Arithmetic(
        output=_WINDOW.format(depth="K", dilation=", `dilation`") + " of the first input (the features); K = "
               "`filters`. The second input, the routing weights, must be 1 × 1 × E, E = `experts` (NC103)",
        trainable="E·(F_w·F_h·(D/groups)·K, + K with `bias: true`)",
        unshared="E times conv2d's",
        macs="conv2d's W_out·H_out·K·F_w·F_h·D/groups, + E·F_w·F_h·(D/groups)·K to mix the experts' weights",
        codes=(*_WINDOW_CODES, "NC103", "NC104"),
        notes="Every output sees the whole input through the routing: its receptive field is the wider of the "
              "window's and the routing's.",
    ),
    "channel_conv": Arithmetic(
        output="W × H × (D − k + 2P + 1), k = `kernel`, P = `padding` (default ⌊(k − 1)/2⌋: D for an odd k)",
        trainable="k, + 1 with `bias: true`",
        unshared="(k, + 1 with `bias: true`)·W·H·D_out",
        macs="W·H·D_out·k",
        codes=("NC102",),
        notes="NC102 when D − k + 2P + 1 < 1, with fixes to the padding or the kernel.",
    ),
    "conv_transpose2d": Arithmetic(
        output="W_out × H_out × K with W_out = (W − 1)·S − 2P + F_eff + output_padding (H_out alike, with H) and "
               "F_eff = dilation·(F − 1) + 1. With `padding: same`, W_out = W·S, or (W − 1)·S + F_eff + "
               "output_padding when that is smaller (NC204)",
        trainable="D·(K/groups)·F_w·F_h, + K with `bias: true`",
        unshared="W·H·D·(K/groups)·F_w·F_h (one kernel per input position), + W_out·H_out·K with `bias: true`",
        macs="W·H·D·(K/groups)·F_w·F_h (each input pixel scattered through the kernel)",
        codes=("NC102", "NC104", "NC204", "NC301"),
        notes="The size is always whole: there is no `rounding`. NC102 when W_out < 1; NC204 also when the total "
              "`same` padding is odd; NC301 when output_padding ≥ max(stride, dilation) on an axis (PyTorch "
              "refuses it). `groups` must divide D and K (NC104).",
    ),
    "maxpool2d": Arithmetic(output=_WINDOW.format(depth="D", dilation=", `dilation`"),
                            codes=(*_WINDOW_CODES, "NC301"), notes=_POOL_NOTE),
    "avgpool2d": Arithmetic(output=_WINDOW.format(depth="D", dilation=" (no dilation: F_eff = F)"),
                            codes=(*_WINDOW_CODES, "NC301"),
                            notes=_POOL_NOTE + " `count_include_pad` changes the values, not the shape."),
    "blurpool2d": Arithmetic(output=_WINDOW.format(depth="D", dilation=" (no dilation: F_eff = F)"),
                             codes=_WINDOW_CODES,
                             notes="The binomial filter is fixed (timm keeps it as a buffer outside the state_dict): "
                                   "no parameters. `padding_mode` changes the values, not the shape."),
    "global_avgpool2d": Arithmetic(output="1 × 1 × D"),
    "global_maxpool2d": Arithmetic(output="1 × 1 × D"),
    "adaptive_avgpool2d": Arithmetic(output="w × h × D, the `output` plane w × h whatever W and H"),
    "adaptive_maxpool2d": Arithmetic(output="w × h × D, the `output` plane w × h whatever W and H"),
    "zeropad2d": Arithmetic(output="(W + left + right) × (H + top + bottom) × D; an integer p pads each of the "
                                   "four sides by p"),
    "crop2d": Arithmetic(output="(W − left − right) × (H − top − bottom) × D; an integer c removes c from each of "
                               "the four sides; at least 1 × 1 must be left (NC102)", codes=("NC102",)),
    "upsample2d": Arithmetic(output="W·s_w × H·s_h × D, s = `scale`; `mode` changes the values, not the shape"),
    "resize2d": Arithmetic(output="w × h × D, the `output` plane w × h whatever W and H; `mode` changes the "
                                 "values, not the shape"),
    "flatten": Arithmetic(output="1 × 1 × (W·H·D)"),
    "dense": Arithmetic(
        output="1 × 1 × units; the input must be 1 × 1 × N (NC103 otherwise, with a fix that inserts a `flatten`)",
        trainable="N·units, + units with `bias: true`",
        macs="N·units",
        codes=("NC103",),
        notes="`activation` adds no parameters.",
    ),
    "batchnorm2d": Arithmetic(output=_SAME, trainable=_AFFINE, non_trainable="2·D (the running mean and variance)",
                              notes="`eps` and `momentum` change the values, not the counts."),
    "lrn": Arithmetic(output=_SAME),
    "dropout": Arithmetic(output=_SAME),
    "activation": Arithmetic(output=_SAME),
    "add": Arithmetic(output="the inputs' shape: every input must have the same W × H × D (NC103 otherwise)",
                      codes=("NC103",)),
    "subtract": Arithmetic(output="the inputs' shape: both inputs must have the same W × H × D (NC103 otherwise)",
                           codes=("NC103",)),
    "concat": Arithmetic(output="W × H × (D_1 + D_2 + …): every input must have the same W × H (NC103 otherwise)",
                         codes=("NC103",)),
    "multiply": Arithmetic(
        output="on each axis (width, height and depth) the largest of the inputs' sizes; on each axis the sizes "
               "must be equal, except sizes of 1, which broadcast (NC103 otherwise)",
        codes=("NC103",)),
    "context_pool2d": Arithmetic(output="1 × 1 × D from values W × H × D and scores W × H × 1 (NC103 otherwise): "
                                       "Σ over positions of softmax(scores)·values", codes=("NC103",)),
    "slice": Arithmetic(output="W × H × (stop − start); start < stop ≤ D is needed (NC103 otherwise)",
                        codes=("NC103",)),
    "channel_shuffle": Arithmetic(output=_SAME, codes=("NC104",), notes=_GROUPS_NOTE),
    "evonorm2d": Arithmetic(output=_SAME, trainable="3·D with `activation: true` (v, scale, shift), else 2·D",
                            codes=("NC104",), notes=_GROUPS_NOTE),
    "group_softmax": Arithmetic(output=_SAME, codes=("NC104",), notes=_GROUPS_NOTE),
    "layernorm2d": Arithmetic(output=_SAME, trainable="with `affine: true`, 2·D (D with `bias: false`), else 0"),
    "rmsnorm2d": Arithmetic(output=_SAME, trainable="D with `affine: true`, else 0"),
    "grn": Arithmetic(output=_SAME, trainable="2·D"),
    "groupnorm": Arithmetic(output=_SAME, trainable="with `affine: true`, 2·D (D with `bias: false`), else 0",
                            codes=("NC104",), notes=_GROUPS_NOTE),
    "instancenorm2d": Arithmetic(output=_SAME, trainable=_AFFINE,
                                 non_trainable="2·D (running mean and variance) with `track_running_stats: true`, "
                                               "else 0"),
    "layer_scale": Arithmetic(output=_SAME, trainable="D (1 with `per_channel: false`), twice that with "
                                                     "`bias: true`"),
    "prelu": Arithmetic(output=_SAME, trainable="D with `per_channel: true`, else 1"),
    "drop_path": Arithmetic(output=_SAME),
    "identity": Arithmetic(output=_SAME),
    "scale": Arithmetic(output=_SAME, notes="The factor is a constant, not a parameter."),
    "pixel_shuffle": Arithmetic(output="W·r × H·r × D/r², r = `factor`; r² must divide D (NC104: no output)",
                                codes=("NC104",)),
    "pixel_unshuffle": Arithmetic(
        output="W/r × H/r × D·r², r = `factor`; r must divide W and H: NC101 under every rounding (⌊W/r⌋ × ⌊H/r⌋ "
               "is passed on when it is at least 1 × 1)",
        codes=("NC101",)),
}


_LINK = re.compile(r"\[([^\]]+)\]\(#[^)]*\)")
_COMMON = ("name", "inputs", "expect", "type")


def _plain(text: str) -> str:
    """Reference prose for a terminal: links to the reference's sections become their text."""
    return _LINK.sub(r"\1", text)


def _default(info: Any) -> str:
    if info.is_required():
        return "required"
    value = info.default
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def describe(kind: str) -> str:
    """``netcheck explain <layer type>``: the type's description, fields, arithmetic, codes and an example."""
    import yaml

    from netcheck.spec import LAYER_CLASSES

    model = LAYER_CLASSES[kind]
    doc = " ".join((model.__doc__ or "").split())
    fields = [(key, info) for key, info in model.model_fields.items() if key not in _COMMON or
              (key == "inputs" and info.is_required())]
    width = max((len(key) for key, _info in fields), default=0)
    lines = [f"{kind} (layer type)", "", doc, "", "Fields (besides name, inputs and expect, as every layer):"
             if not any(key == "inputs" for key, _info in fields) else "Fields (besides name and expect):"]
    lines += [f"  {key:<{width}}  {_default(info):<8}  {info.description or ''}" for key, info in fields] or \
        ["  none"]
    arithmetic = ARITHMETIC.get(kind)
    if arithmetic is not None:
        lines += ["", f"Output:         {_plain(arithmetic.output)}", f"Trainable:      {_plain(arithmetic.trainable)}",
                  f"Non-trainable:  {_plain(arithmetic.non_trainable)}", f"MACs:           {_plain(arithmetic.macs)}"]
        if arithmetic.unshared:
            lines.append(f"Unshared:       {_plain(arithmetic.unshared)}")
        if arithmetic.codes:
            lines.append(f"Codes:          {', '.join(arithmetic.codes)} (netcheck explain NCxxx)")
        if arithmetic.notes:
            lines += ["", _plain(arithmetic.notes)]
    example = yaml.safe_dump([model.example], sort_keys=False, default_flow_style=None, allow_unicode=True)
    lines += ["", "Example:", *(f"  {line}" for line in example.splitlines()), "",
              f"Reference: docs/format.md, section `{kind}`."]
    return "\n".join(lines) + "\n"
