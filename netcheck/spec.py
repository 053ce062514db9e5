"""The pydantic models of the netcheck format, version 1 (FORMAT.md sections 1 and 2).

Strict: integers are integers (``2.0``, ``"2"`` and ``true`` are refused), unknown
keys are errors except those starting with ``x-``, and layers are discriminated on
``type``. No I/O here; ``netcheck.load`` reads files, these models only validate.
"""

from __future__ import annotations

import typing
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, field_validator, model_validator
from pydantic_core import PydanticCustomError

from netcheck import vocabulary
from netcheck.vocabulary import MAX_COUNT, MAX_SIZE, Shape, pair

__all__ = ["MAX_COUNT", "MAX_SIZE", "Shape", "pair"]

Rounding = Literal["strict", "floor", "ceil"]
ActivationName = Literal[
    "relu", "relu6", "leaky_relu", "elu", "selu", "celu", "gelu", "silu", "swish", "mish",
    "sigmoid", "hardsigmoid", "hardswish", "tanh", "softmax", "log_softmax", "softplus",
    "softsign", "identity", "linear", "square",
]
PositiveInt = Annotated[int, Field(ge=1, le=MAX_SIZE)]
NonNegativeInt = Annotated[int, Field(ge=0, le=MAX_SIZE)]
Count = Annotated[int, Field(ge=0, le=MAX_COUNT)]
LayerName = Annotated[
    str,
    Field(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2060-\u2064\ufeff]+$",
        description="A layer name: printable text, no control or invisible characters.",
        examples=["conv1", "layer1_0_conv1"],
    ),
]

SHAPE_PATTERN = r"^\s*0*[1-9][0-9]*\s*[x×]\s*0*[1-9][0-9]*\s*[x×]\s*0*[1-9][0-9]*\s*$"
PLANE_PATTERN = r"^\s*0*[1-9][0-9]*\s*[x×]\s*0*[1-9][0-9]*\s*$"


def _allow_extensions(schema: dict[str, Any]) -> None:
    schema["patternProperties"] = {"^x-": {"description": "Metadata for other tools; ignored by netcheck."}}


class Model(BaseModel):
    """Base of every netcheck model: strict, closed, with ``x-`` keys allowed and ignored."""

    model_config = ConfigDict(strict=True, extra="forbid", frozen=True, json_schema_extra=_allow_extensions,
                              defer_build=True)

    @model_validator(mode="before")
    @classmethod
    def _drop_extensions(cls, data: Any) -> Any:
        return vocabulary.drop_extensions(data)


class AxisPair(Model):
    """A size given per axis."""

    width: PositiveInt = Field(description="Along the width (x) axis.", examples=[3])
    height: PositiveInt = Field(description="Along the height (y) axis.", examples=[3])


class AxisPadding(Model):
    """Padding given per axis, added on both sides."""

    width: NonNegativeInt = Field(description="Columns added on the left and on the right.", examples=[1])
    height: NonNegativeInt = Field(description="Rows added on the top and on the bottom.", examples=[1])


class Sides(Model):
    """Padding given per side, for zeropad2d."""

    top: NonNegativeInt = Field(0, description="Rows of zeros added above.", examples=[1])
    bottom: NonNegativeInt = Field(0, description="Rows of zeros added below.", examples=[1])
    left: NonNegativeInt = Field(0, description="Columns of zeros added on the left.", examples=[1])
    right: NonNegativeInt = Field(0, description="Columns of zeros added on the right.", examples=[2])


def _prepared(prepare: Callable[[Any], Any], value: Any, example: str) -> Any:
    try:
        return prepare(value)
    except ValueError:
        raise PydanticCustomError("shape_format", "expected a shape like {example}", {"example": example}) from None


class ShapeSpec(Model):
    """A volume as written: the string ``WxHxD`` or ``{width, height, depth}``."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: schema.update(
            {"anyOf": [{"type": "string", "pattern": SHAPE_PATTERN, "examples": ["224x224x3"]},
                       {"type": "object", "properties": schema.pop("properties"),
                        "required": schema.pop("required"), "additionalProperties": False,
                        "patternProperties": {"^x-": {}}}]}
        )
    )

    width: PositiveInt = Field(description="W: columns.", examples=[224])
    height: PositiveInt = Field(description="H: rows.", examples=[224])
    depth: PositiveInt = Field(description="D: channels.", examples=[3])

    @model_validator(mode="before")
    @classmethod
    def _shape_fields(cls, data: Any) -> Any:
        return _prepared(vocabulary.shape_fields, data, "32x32x3")

    @property
    def shape(self) -> Shape:
        """The plain (width, height, depth) triple."""
        return Shape(self.width, self.height, self.depth)


class PlaneSpec(Model):
    """A plane as written: the string ``WxH`` or ``{width, height}``."""

    model_config = ConfigDict(
        json_schema_extra=lambda schema: schema.update(
            {"anyOf": [{"type": "string", "pattern": PLANE_PATTERN, "examples": ["7x7"]},
                       {"type": "integer", "minimum": 1, "maximum": MAX_SIZE, "description": "A square plane."},
                       {"type": "object", "properties": schema.pop("properties"),
                        "required": schema.pop("required"), "additionalProperties": False,
                        "patternProperties": {"^x-": {}}}]}
        )
    )

    width: PositiveInt = Field(description="W: columns.", examples=[7])
    height: PositiveInt = Field(description="H: rows.", examples=[7])

    @model_validator(mode="before")
    @classmethod
    def _plane_fields(cls, data: Any) -> Any:
        return _prepared(vocabulary.plane_fields, data, "7x7")


Size = Union[PositiveInt, AxisPair]
PaddingSize = Union[NonNegativeInt, AxisPadding, Literal["same", "valid"]]


class LayerExpect(Model):
    """Assertions on one layer, checked like tests (NC105)."""

    shape: ShapeSpec | None = Field(None, description="The layer's output shape.", examples=["14x14x20"])
    params: Count | None = Field(None, description="Trainable + non-trainable parameters.", examples=[3860])
    trainable_params: Count | None = Field(None, description="What PyTorch's parameters() counts.", examples=[3860])
    non_trainable_params: Count | None = Field(None, description="BatchNorm running statistics.", examples=[128])
    unshared_params: Count | None = Field(None, description="Parameters without weight sharing.",
                                          examples=[756560])
    macs: Count | None = Field(None, description="Multiply-accumulates.", examples=[752640])
    neurons: Count | None = Field(None, description="Output values: W x H x D.", examples=[3920])


class NetworkExpect(Model):
    """Assertions on the whole network: its output shape and its totals."""

    output: ShapeSpec | None = Field(None, description="The network's output shape.", examples=["1x1x1000"])
    params: Count | None = Field(None, description="Total trainable + non-trainable parameters.", examples=[61706])
    trainable_params: Count | None = Field(None, description="Total of what PyTorch's parameters() counts.",
                                           examples=[11689512])
    non_trainable_params: Count | None = Field(None, description="Total BatchNorm running statistics.",
                                               examples=[9600])
    unshared_params: Count | None = Field(None, description="Total parameters without weight sharing.",
                                          examples=[756560])
    macs: Count | None = Field(None, description="Total multiply-accumulates.", examples=[1814073344])
    neurons: Count | None = Field(None, description="Total output values of all layers.", examples=[3920])


class LayerBase(Model):
    """What every layer may carry: a name, its inputs and expectations.

    Each layer model also sets ``example``: one layer as it would be written (the schema shows it).
    """

    example: ClassVar[dict[str, Any]]
    name: LayerName | None = Field(None, description='Unique; default "<type>_<n>", 1-based per type.',
                                   examples=["conv1"])
    inputs: list[LayerName] | None = Field(
        None,
        min_length=1,
        max_length=1,
        description="The layer this one reads (default: the layer before; `input` is the network input).",
        examples=["conv1", ["stem_relu"]],
    )
    expect: LayerExpect | None = Field(None, description="Assertions on this layer's output and counts.",
                                       examples=[{"shape": "14x14x20", "params": 3860}])

    @field_validator("inputs", mode="before")
    @classmethod
    def _one_input(cls, value: Any) -> Any:
        return vocabulary.one_input(value)


_KERNEL = Field(
    description="F: the window size, an integer or {width, height}.", examples=[3, {"width": 3, "height": 1}]
)
_PADDING_DOC = "P: zeros added on each side; an integer, {width, height}, `same` or `valid` (= 0)."
_DILATION = Field(1, description="Spacing between kernel taps: F_eff = dilation·(F − 1) + 1.", examples=[2])
_ROUNDING = Field(None, description="Overrides the network's rounding for this layer.", examples=["floor"])
_BIAS = Field(True, description="Adds one parameter per output channel.", examples=[False])
_ACTIVATION = Field(None, description="An activation applied after the layer (no parameters).", examples=["relu"])
_FILTERS = Field(description="K: the number of filters (output depth).", examples=[64])
_CONV_STRIDE = Field(1, description="S: the step between windows.", examples=[2])
_CONV_PADDING = Field(0, description=_PADDING_DOC, examples=[1, "same"])
_CONV_GROUPS = Field(1, description="Channel groups; must divide depth and filters.", examples=[32])


class WeightStandardization(Model):
    """Weight standardisation: each filter's weights are set to mean 0 and variance 1 before use (BiT, NFNet)."""

    gain: bool = Field(False, description="A learned gain per filter (K more trainable) and the weights scaled by "
                       "gamma/sqrt(fan-in) as well: NFNet's ScaledStdConv2d. Without it: BiT's StdConv2d.",
                       examples=[True])
    gamma: float = Field(1.0, allow_inf_nan=False, description="With gain: the constant γ of γ/sqrt(fan-in) "
                         "(NFNet's activation gain).", examples=[1.7139588594436646])
    eps: float = Field(1e-6, gt=0, allow_inf_nan=False, description="Added to each filter's variance.",
                       examples=[1e-5])


class Conv2d(LayerBase):
    """A 2-D convolution: K filters of F x F x D/groups, sliding with stride S over padding P."""

    type: Literal["conv2d"]
    example: ClassVar[dict[str, Any]] = {"name": "conv1", "type": "conv2d", "filters": 64, "kernel": 3, "stride": 1,
                                         "padding": 1}
    filters: PositiveInt = _FILTERS
    kernel: Size = _KERNEL
    stride: Size = _CONV_STRIDE
    padding: PaddingSize = _CONV_PADDING
    dilation: Size = _DILATION
    groups: PositiveInt = _CONV_GROUPS
    bias: bool = _BIAS
    activation: ActivationName | None = _ACTIVATION
    rounding: Rounding | None = _ROUNDING
    weight_standardization: bool | WeightStandardization = Field(
        False, description="Standardised weights: true (BiT's StdConv2d, no more parameters) or {gain, gamma, eps} "
        "(gain: NFNet's ScaledStdConv2d, K more trainable).", examples=[True, {"gain": True}])


class CondConv2d(LayerBase):
    """A conditionally parameterised convolution (CondConv): `experts` sets of conv2d weights, mixed per sample by
    the second input's 1 x 1 x experts routing weights, then a conv2d as FORMAT.md's; experts x the weights."""

    type: Literal["cond_conv2d"]
    example: ClassVar[dict[str, Any]] = {"name": "conv_pw", "type": "cond_conv2d", "inputs": ["features", "routing"],
                                         "filters": 64, "kernel": 1, "experts": 4, "bias": False}
    inputs: list[LayerName] = Field(min_length=2, max_length=2, description="[features, routing]: a volume and "
                                    "1 x 1 x experts routing weights (NC103 otherwise).",
                                    examples=[["features", "routing"]])
    filters: PositiveInt = _FILTERS
    kernel: Size = _KERNEL
    stride: Size = _CONV_STRIDE
    padding: PaddingSize = _CONV_PADDING
    dilation: Size = _DILATION
    groups: PositiveInt = _CONV_GROUPS
    bias: bool = _BIAS
    experts: PositiveInt = Field(description="The sets of weights mixed by the routing.", examples=[4, 8])
    rounding: Rounding | None = _ROUNDING


class ConvTranspose2d(LayerBase):
    """A transposed (fractionally strided) 2-D convolution."""

    type: Literal["conv_transpose2d"]
    example: ClassVar[dict[str, Any]] = {"name": "up1", "type": "conv_transpose2d", "filters": 32, "kernel": 2,
                                         "stride": 2}
    filters: PositiveInt = Field(description="K: the number of filters (output depth).", examples=[64])
    kernel: Size = _KERNEL
    stride: Size = Field(1, description="S: the upsampling step.", examples=[2])
    padding: PaddingSize = Field(0, description=_PADDING_DOC, examples=[1])
    output_padding: Union[NonNegativeInt, AxisPadding] = Field(
        0, description="Extra rows/columns added on one side of the output.", examples=[1]
    )
    dilation: Size = _DILATION
    groups: PositiveInt = Field(1, description="Channel groups; must divide depth and filters.", examples=[2])
    bias: bool = _BIAS
    activation: ActivationName | None = _ACTIVATION


class MaxPool2d(LayerBase):
    """Max pooling over F x F windows."""

    type: Literal["maxpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "pool1", "type": "maxpool2d", "kernel": 2, "stride": 2}
    kernel: Size = _KERNEL
    stride: Size | None = Field(None, description="S: the step between windows; default the kernel.", examples=[2])
    padding: PaddingSize = Field(0, description=_PADDING_DOC, examples=[1])
    dilation: Size = _DILATION
    rounding: Rounding | None = _ROUNDING


class AvgPool2d(LayerBase):
    """Average pooling over F x F windows."""

    type: Literal["avgpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "pool1", "type": "avgpool2d", "kernel": 2}
    kernel: Size = _KERNEL
    stride: Size | None = Field(None, description="S: the step between windows; default the kernel.", examples=[2])
    padding: PaddingSize = Field(0, description=_PADDING_DOC, examples=[1])
    rounding: Rounding | None = _ROUNDING
    count_include_pad: bool = Field(True, description="Whether padding zeros count in the average (PyTorch's).",
                                    examples=[False])


class BlurPool2d(LayerBase):
    """Anti-aliased downsampling: each channel blurred by a fixed binomial filter of F x F (1-2-1 for 3), then
    subsampled by S (timm's BlurPool2d). Same windows as a pool; no parameters."""

    type: Literal["blurpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "aa", "type": "blurpool2d", "kernel": 4, "stride": 2, "padding": 1}
    kernel: PositiveInt = Field(3, description="F: the binomial filter's size (binomial coefficients of F − 1).",
                                examples=[3, 5])
    stride: Size = Field(2, description="S: the step between windows.", examples=[2])
    padding: PaddingSize = Field(0, description=_PADDING_DOC.replace("zeros", "values"), examples=[1])
    padding_mode: Literal["reflect", "zeros"] = Field("reflect", description="What the padding adds: the input "
                                                      "mirrored at its edges (timm's default), or zeros.",
                                                      examples=["zeros"])
    rounding: Rounding | None = _ROUNDING


class GlobalAvgPool2d(LayerBase):
    """Average over the whole plane: 1 x 1 x D."""

    type: Literal["global_avgpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "gap", "type": "global_avgpool2d"}


class GlobalMaxPool2d(LayerBase):
    """Maximum over the whole plane: 1 x 1 x D."""

    type: Literal["global_maxpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "gmp", "type": "global_maxpool2d"}


_OUTPUT_PLANE = Field(description="The output plane, `WxH` or {width, height}.", examples=["7x7"])


class AdaptiveAvgPool2d(LayerBase):
    """Average pooling to a given output plane, whatever the input size."""

    type: Literal["adaptive_avgpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "avgpool", "type": "adaptive_avgpool2d", "output": "7x7"}
    output: PlaneSpec = _OUTPUT_PLANE


class AdaptiveMaxPool2d(LayerBase):
    """Max pooling to a given output plane, whatever the input size."""

    type: Literal["adaptive_maxpool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "maxpool", "type": "adaptive_maxpool2d", "output": "1x1"}
    output: PlaneSpec = _OUTPUT_PLANE


class ZeroPad2d(LayerBase):
    """Zeros added around the plane."""

    type: Literal["zeropad2d"]
    example: ClassVar[dict[str, Any]] = {"name": "pad", "type": "zeropad2d", "padding": {"left": 1, "right": 2}}
    padding: Union[NonNegativeInt, Sides] = Field(
        description="An integer for every side, or {top, bottom, left, right}.", examples=[1, {"left": 1, "right": 2}]
    )


class CropSides(Model):
    """Rows and columns removed per side, for crop2d."""

    top: NonNegativeInt = Field(0, description="Rows removed at the top.", examples=[1])
    bottom: NonNegativeInt = Field(0, description="Rows removed at the bottom.", examples=[0])
    left: NonNegativeInt = Field(0, description="Columns removed on the left.", examples=[1])
    right: NonNegativeInt = Field(0, description="Columns removed on the right.", examples=[0])


class Crop2d(LayerBase):
    """Rows and columns removed at the plane's sides (PyTorch's negative padding; NASNet's shifted path)."""

    type: Literal["crop2d"]
    example: ClassVar[dict[str, Any]] = {"name": "crop", "type": "crop2d", "crop": {"top": 1, "left": 1}}
    crop: Union[NonNegativeInt, CropSides] = Field(
        description="An integer for every side, or {top, bottom, left, right}; at least 1 x 1 must be left (NC102).",
        examples=[1, {"top": 1, "left": 1}])


class Upsample2d(LayerBase):
    """Repeats (or interpolates) each pixel: W·s_w x H·s_h."""

    type: Literal["upsample2d"]
    example: ClassVar[dict[str, Any]] = {"name": "up", "type": "upsample2d", "scale": 2, "mode": "bilinear"}
    scale: Size = Field(description="The integer factor, or {width, height}.", examples=[2])
    mode: Literal["nearest", "bilinear"] = Field("nearest", description="How new pixels are made.",
                                                 examples=["bilinear"])


class Resize2d(LayerBase):
    """The plane resized to a given size, whatever the input's (F.interpolate(size=…); GhostNet-V2's gate)."""

    type: Literal["resize2d"]
    example: ClassVar[dict[str, Any]] = {"name": "resize", "type": "resize2d", "output": "7x7"}
    output: PlaneSpec = Field(description="The output plane, `WxH` or {width, height}.", examples=["7x7"])
    mode: Literal["nearest", "bilinear"] = Field("nearest", description="How new pixels are made.",
                                                 examples=["bilinear"])


class Flatten(LayerBase):
    """Reshapes the volume into a vector: 1 x 1 x (W·H·D)."""

    type: Literal["flatten"]
    example: ClassVar[dict[str, Any]] = {"name": "flat", "type": "flatten"}


class Dense(LayerBase):
    """A fully connected layer on a vector 1 x 1 x N."""

    type: Literal["dense"]
    example: ClassVar[dict[str, Any]] = {"name": "fc", "type": "dense", "units": 10, "activation": "softmax"}
    units: PositiveInt = Field(description="The number of outputs.", examples=[1000])
    bias: bool = _BIAS
    activation: ActivationName | None = _ACTIVATION


class BatchNorm2d(LayerBase):
    """Batch normalisation per channel."""

    type: Literal["batchnorm2d"]
    example: ClassVar[dict[str, Any]] = {"name": "bn1", "type": "batchnorm2d"}
    affine: bool = Field(True, description="Learns a scale and a shift per channel (2·D trainable).",
                         examples=[False])
    eps: float = Field(1e-5, gt=0, allow_inf_nan=False, description="Added to the variance.", examples=[0.001])
    momentum: float = Field(0.1, ge=0, le=1, allow_inf_nan=False, description="Running-statistics momentum.",
                            examples=[0.01])


class Lrn(LayerBase):
    """Local response normalisation across channels."""

    type: Literal["lrn"]
    example: ClassVar[dict[str, Any]] = {"name": "norm1", "type": "lrn", "size": 5}
    size: PositiveInt = Field(5, description="Neighbouring channels normalised together.", examples=[5])
    alpha: float = Field(1e-4, allow_inf_nan=False, description="The scale α.", examples=[0.0001])
    beta: float = Field(0.75, allow_inf_nan=False, description="The exponent β.", examples=[0.75])
    k: float = Field(1.0, allow_inf_nan=False, description="The additive constant k.", examples=[2.0])


class Dropout(LayerBase):
    """Zeroes a fraction of the values while training."""

    type: Literal["dropout"]
    example: ClassVar[dict[str, Any]] = {"name": "drop", "type": "dropout", "rate": 0.5}
    rate: float = Field(0.5, ge=0, le=1, allow_inf_nan=False, description="The fraction dropped.", examples=[0.5])


class Activation(LayerBase):
    """An element-wise activation function."""

    type: Literal["activation"]
    example: ClassVar[dict[str, Any]] = {"name": "relu1", "type": "activation", "function": "relu"}
    function: ActivationName = Field(description="The function.", examples=["relu"])
    negative_slope: float | None = Field(
        None, allow_inf_nan=False, description="The slope below zero, for leaky_relu (default 0.01).", examples=[0.2])


_MERGE_INPUTS = Field(min_length=2, description="Two or more layer names.", examples=[["branch1", "shortcut"]])


class Add(LayerBase):
    """Element-wise sum of two or more volumes of one shape."""

    type: Literal["add"]
    example: ClassVar[dict[str, Any]] = {"name": "residual", "type": "add", "inputs": ["conv2", "shortcut"]}
    inputs: list[LayerName] = _MERGE_INPUTS


class Concat(LayerBase):
    """Volumes stacked along depth: equal W x H, depths summed."""

    type: Literal["concat"]
    example: ClassVar[dict[str, Any]] = {"name": "merge", "type": "concat", "inputs": ["branch1", "branch2"]}
    inputs: list[LayerName] = _MERGE_INPUTS


class Subtract(LayerBase):
    """The first input minus the second; both of one shape (PoolFormer's pool(x) − x)."""

    type: Literal["subtract"]
    example: ClassVar[dict[str, Any]] = {"name": "mixed", "type": "subtract", "inputs": ["pooled", "input"]}
    inputs: list[LayerName] = Field(min_length=2, max_length=2, description="Two layer names: minuend, subtrahend.",
                                    examples=[["pooled", "input"]])


class Multiply(LayerBase):
    """Element-wise product of two or more volumes that broadcast: per axis equal, or 1 (a squeeze-and-excitation
    gate 1 x 1 x D times a W x H x D volume)."""

    type: Literal["multiply"]
    example: ClassVar[dict[str, Any]] = {"name": "scale", "type": "multiply", "inputs": ["features", "gate"]}
    inputs: list[LayerName] = Field(min_length=2, description="Two or more layer names.",
                                    examples=[["features", "gate"]])


class ContextPool2d(LayerBase):
    """Global context pooling (GCNet): a softmax over the plane of the second input's one channel weighs the
    positions of the first input, summed: 1 x 1 x D. No parameters."""

    type: Literal["context_pool2d"]
    example: ClassVar[dict[str, Any]] = {"name": "context", "type": "context_pool2d", "inputs": ["features", "scores"]}
    inputs: list[LayerName] = Field(min_length=2, max_length=2, description="[values, scores]: W x H x D and "
                                    "W x H x 1 (NC103 otherwise).", examples=[["features", "scores"]])


class Slice(LayerBase):
    """Some of the channels: ``[start, stop]``, half-open as Python slices; W x H x (stop − start)."""

    type: Literal["slice"]
    example: ClassVar[dict[str, Any]] = {"name": "half", "type": "slice", "channels": [0, 32]}
    channels: list[NonNegativeInt] = Field(
        min_length=2, max_length=2,
        description="[start, stop]: the channels start … stop − 1; 0 ≤ start < stop ≤ D (NC103 otherwise).",
        examples=[[0, 32]])


class ChannelShuffle(LayerBase):
    """ShuffleNet's channel shuffle: the D channels as groups x D/groups, transposed. Same shape."""

    type: Literal["channel_shuffle"]
    example: ClassVar[dict[str, Any]] = {"name": "shuffle", "type": "channel_shuffle", "groups": 2}
    groups: PositiveInt = Field(description="Channel groups; must divide the depth (NC104).", examples=[2])


_NORM_EPS = Field(1e-5, gt=0, allow_inf_nan=False, description="Added to the variance (PyTorch's default 1e-5).",
                  examples=[1e-6])
_NORM_AFFINE = Field(True, description="Learns a scale and a shift per channel (2·D trainable).", examples=[False])


class EvoNorm2d(LayerBase):
    """EvoNorm-S0 (timm's EvoNorm2dS0 and S0a): x·sigmoid(v·x) divided by the standard deviation of x over each
    group of channels and the plane, then a scale and a shift per channel; 3·D trainable (2·D without the
    activation). Same shape."""

    type: Literal["evonorm2d"]
    example: ClassVar[dict[str, Any]] = {"name": "norm", "type": "evonorm2d", "groups": 32}
    groups: PositiveInt = Field(32, description="Channel groups of the standard deviation; must divide the depth "
                                "(NC104).", examples=[32])
    activation: bool = Field(True, description="The x·sigmoid(v·x) part, with its D learned v.", examples=[False])
    variant: Literal["s0", "s0a"] = Field("s0", description="Without the activation, s0 only scales and shifts; "
                                          "s0a still divides by the deviation.", examples=["s0a"])
    eps: float = Field(1e-5, gt=0, allow_inf_nan=False, description="Added to the variance (timm's S0a uses 1e-3).",
                       examples=[1e-3])


class GroupSoftmax(LayerBase):
    """Split attention's softmax: the D channels as `groups` groups of D/groups, a softmax across the groups at each
    channel of a group and each position (SKNet's and ResNeSt's weights of their branches). Same shape."""

    type: Literal["group_softmax"]
    example: ClassVar[dict[str, Any]] = {"name": "weights", "type": "group_softmax", "groups": 2}
    groups: PositiveInt = Field(description="The branches weighed; must divide the depth (NC104).", examples=[2])


class LayerNorm2d(LayerBase):
    """Layer normalisation over the D channels at each position (ConvNeXt's LayerNorm2d). Same shape."""

    type: Literal["layernorm2d"]
    example: ClassVar[dict[str, Any]] = {"name": "norm", "type": "layernorm2d", "eps": 1e-6}
    affine: bool = _NORM_AFFINE
    bias: bool = Field(True, description="With affine: the shift too (false: a scale alone, D trainable; "
                       "MetaFormer's LayerNorm2dNoBias).", examples=[False])
    eps: float = _NORM_EPS


class RmsNorm2d(LayerBase):
    """RMS normalisation over the D channels at each position: x / sqrt(mean(x²) + eps), times a learned scale."""

    type: Literal["rmsnorm2d"]
    example: ClassVar[dict[str, Any]] = {"name": "norm", "type": "rmsnorm2d", "eps": 1e-6}
    affine: bool = Field(True, description="Learns a scale per channel (D trainable).", examples=[False])
    eps: float | None = Field(None, gt=0, allow_inf_nan=False,
                              description="Added to the mean square; null: PyTorch's default (the float's epsilon).",
                              examples=[1e-6])


class Grn(LayerBase):
    """ConvNeXt-V2's global response normalisation: each channel's L2 norm over the plane, divided by the mean of
    those norms, gates the input with a learned scale and shift (2·D trainable), plus the input. Same shape."""

    type: Literal["grn"]
    example: ClassVar[dict[str, Any]] = {"name": "grn", "type": "grn"}
    eps: float = Field(1e-6, gt=0, allow_inf_nan=False, description="Added to the mean norm (timm's 1e-6).",
                       examples=[1e-6])


class ChannelConv(LayerBase):
    """ECA-Net's 1-D convolution along the channels: one filter of k taps slides over the D channels at every
    position, with P zeros at each end: W x H x (D − k + 2P + 1); k (+1 bias) trainable."""

    type: Literal["channel_conv"]
    example: ClassVar[dict[str, Any]] = {"name": "eca", "type": "channel_conv", "kernel": 3}
    kernel: PositiveInt = Field(description="k: the filter's taps.", examples=[3, 5])
    padding: NonNegativeInt | None = Field(None, description="P: zeros at each end of the channels; default "
                                           "(k − 1)/2 rounded down, which keeps D for an odd k.", examples=[1])
    bias: bool = Field(False, description="Adds one parameter (ECA has none).", examples=[True])


class GroupNorm(LayerBase):
    """Group normalisation: the D channels in groups, each normalised over its channels and the plane."""

    type: Literal["groupnorm"]
    example: ClassVar[dict[str, Any]] = {"name": "gn1", "type": "groupnorm", "groups": 32}
    groups: PositiveInt = Field(description="Channel groups; must divide the depth (NC104).", examples=[32])
    affine: bool = _NORM_AFFINE
    bias: bool = Field(True, description="With affine: the shift too (false: a scale alone, D trainable; "
                       "MetaFormer's GroupNorm1NoBias).", examples=[False])
    eps: float = _NORM_EPS


class InstanceNorm2d(LayerBase):
    """Instance normalisation: each channel normalised over its plane. Same shape."""

    type: Literal["instancenorm2d"]
    example: ClassVar[dict[str, Any]] = {"name": "in1", "type": "instancenorm2d", "affine": True}
    affine: bool = Field(False, description="Learns a scale and a shift per channel (2·D trainable; PyTorch's "
                         "default is false).", examples=[True])
    track_running_stats: bool = Field(False, description="Keeps a running mean and variance (2·D non-trainable).",
                                      examples=[True])
    eps: float = _NORM_EPS


class LayerScale(LayerBase):
    """A learned factor per channel (ConvNeXt's γ): D parameters. Same shape."""

    type: Literal["layer_scale"]
    example: ClassVar[dict[str, Any]] = {"name": "gamma", "type": "layer_scale", "init": 1e-6}
    init: float = Field(1e-6, allow_inf_nan=False, description="The factors' initial value.", examples=[1e-6])
    per_channel: bool = Field(True, description="One factor per channel (D); false: one factor for all (NFNet's "
                              "skip-init gain).", examples=[False])
    bias: bool = Field(False, description="A learned shift after the factor, as many as the factors (HGNet-V2's "
                       "learnable affine block).", examples=[True])
    bias_init: float = Field(0.0, allow_inf_nan=False, description="With bias: the shifts' initial value.",
                             examples=[0.0])


class PReLU(LayerBase):
    """A leaky ReLU whose negative slope is learned: one, or one per channel."""

    type: Literal["prelu"]
    example: ClassVar[dict[str, Any]] = {"name": "act1", "type": "prelu", "per_channel": True}
    per_channel: bool = Field(False, description="One slope per channel (D parameters) instead of one.",
                              examples=[True])


class DropPath(LayerBase):
    """Stochastic depth: drops the whole input of a sample while training. Same shape."""

    type: Literal["drop_path"]
    example: ClassVar[dict[str, Any]] = {"name": "drop_path", "type": "drop_path", "rate": 0.1}
    rate: float = Field(0.0, ge=0, le=1, allow_inf_nan=False, description="The probability of dropping.",
                        examples=[0.1])


class Identity(LayerBase):
    """Passes its input on unchanged."""

    type: Literal["identity"]
    example: ClassVar[dict[str, Any]] = {"name": "shortcut", "type": "identity"}


class Scale(LayerBase):
    """A constant factor: every value times ``factor``, not learned (Inception-ResNet's residuals). Same shape."""

    type: Literal["scale"]
    example: ClassVar[dict[str, Any]] = {"name": "scaled", "type": "scale", "factor": 0.17}
    factor: float = Field(allow_inf_nan=False, description="The constant every value is multiplied by.",
                          examples=[0.17])


class PixelShuffle(LayerBase):
    """Depth to space: W·r x H·r x D/r²; r² must divide D (NC104)."""

    type: Literal["pixel_shuffle"]
    example: ClassVar[dict[str, Any]] = {"name": "to_space", "type": "pixel_shuffle", "factor": 2}
    factor: PositiveInt = Field(description="r: the upscaling factor.", examples=[2])


class PixelUnshuffle(LayerBase):
    """Space to depth: W/r x H/r x D·r²; r must divide W and H (NC101)."""

    type: Literal["pixel_unshuffle"]
    example: ClassVar[dict[str, Any]] = {"name": "to_depth", "type": "pixel_unshuffle", "factor": 2}
    factor: PositiveInt = Field(description="r: the downscaling factor.", examples=[2])


Layer = Annotated[
    Union[
        Conv2d, CondConv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, BlurPool2d, GlobalAvgPool2d, GlobalMaxPool2d,
        AdaptiveAvgPool2d, AdaptiveMaxPool2d, ZeroPad2d, Crop2d, Upsample2d, Resize2d, Flatten, Dense,
        BatchNorm2d, Lrn, Dropout, Activation, Add, Concat, Multiply, Slice, ChannelShuffle,
        LayerNorm2d, GroupNorm, InstanceNorm2d, LayerScale, PReLU, DropPath, Identity,
        PixelShuffle, PixelUnshuffle, Scale, Subtract, RmsNorm2d, Grn, ChannelConv, GroupSoftmax,
        ContextPool2d, EvoNorm2d,
    ],
    Field(discriminator="type"),
]

#: Each layer model by its ``type``: the one list of layer types is the ``Layer`` union above.
LAYER_CLASSES: dict[str, type[LayerBase]] = {
    typing.get_args(model.model_fields["type"].annotation)[0]: model
    for model in typing.get_args(typing.get_args(Layer)[0])
}
LAYER_TYPES: tuple[str, ...] = tuple(LAYER_CLASSES)


SUBSTITUTION_PATTERN = r"^\$\{.*\}$"
SUBSTITUTION_DESCRIPTION = ("A value computed from the block's params: integers, params, unary minus, + − * // % "
                            'and parentheses; "${p}" alone takes p\'s value whatever it is.')
Substitution = Annotated[str, Field(pattern=SUBSTITUTION_PATTERN, description=SUBSTITUTION_DESCRIPTION,
                                    examples=["${filters}", "${filters * 4}"])]
ParamName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class Use(Model):
    """A use of a block: a layer whose ``type`` names a block, with the block's params as fields (FORMAT.md §8)."""

    model_config = ConfigDict(extra="allow", title="use of a block")

    example: ClassVar[dict[str, Any]] = {"name": "layer1", "type": "basic", "filters": 64, "repeat": 2}
    type: str = Field(description="The name of a block under `blocks:`.", examples=["basic"])
    name: LayerName | None = Field(None, description='The use\'s name (default "<block>_<n>"); its layers are '
                                   "named <name>.<inner> (<name>.<i>.<inner> with repeat); the name alone means "
                                   "its output.", examples=["layer1"])
    inputs: list[LayerName] | None = Field(None, min_length=1, max_length=1,
                                           description="What the block's `input` is (default: the layer before).",
                                           examples=[["maxpool"]])
    repeat: PositiveInt | Substitution | None = Field(
        None, description="N copies <name>.0 … <name>.<N−1>, each reading the one before.", examples=[2])
    rounding: Rounding | Substitution | None = Field(
        None, description="Rounding for the block's layers that do not set their own.", examples=["floor"])
    expect: LayerExpect | None = Field(None, description="Assertions on the use: its output, and counts summed "
                                       "over all its layers.", examples=[{"shape": "56x56x64"}])


class Block(Model):
    """A sub-network with parameters, usable as a layer type (FORMAT.md §8)."""

    model_config = ConfigDict(title="block")

    description: str | None = Field(None, description="Free text.", examples=["ResNet's basic residual block"])
    params: dict[ParamName, Any] | None = Field(
        None, description="The block's parameters and their defaults (null: the use must give it).",
        examples=[{"filters": None, "stride": 1}])
    layers: list[dict[str, Any]] = Field(
        min_length=1, description="The block's layers: `input` is what the use reads; the last layer is the output.",
        examples=[[{"name": "conv1", "type": "conv2d", "filters": "${filters}", "kernel": 3}]])


class Network(Model):
    """One network: an input volume and layers, with optional whole-network assertions."""

    model_config = ConfigDict(title="netcheck network spec, version 1")

    netcheck: Literal[1] = Field(1, description="The format version.", examples=[1])
    name: str = Field(min_length=1, max_length=200, description="The network's name.", examples=["udacity-quiz"])
    description: str | None = Field(None, description="Free text.", examples=["LeNet-5 on 32x32 MNIST digits"])
    input: ShapeSpec = Field(description="The input volume, width x height x depth.", examples=["32x32x3"])
    rounding: Rounding = Field(
        "strict",
        description="What to do with output sizes that are not whole: strict (error), floor or ceil (warning).",
        examples=["floor"],
    )
    layers: list[Layer] = Field(min_length=1, description="The layers, in order.",
                                examples=[[{"name": "conv1", "type": "conv2d", "filters": 20, "kernel": 8,
                                            "stride": 2, "padding": 1}]])
    expect: NetworkExpect | None = Field(None, description="Assertions on the whole network.",
                                         examples=[{"output": "1x1x10", "params": 61706}])

    _source: Any = PrivateAttr(default=None)
    _blocks: dict[str, Block] | None = PrivateAttr(default=None)
    _modules: Any = PrivateAttr(default=None)  # netcheck.torch's module paths, for a network read by from_module

    @property
    def blocks(self) -> dict[str, Block] | None:
        """The blocks the file defines (FORMAT.md §8), when it was loaded from one; ``layers`` are expanded."""
        return self._blocks

    @field_validator("netcheck", mode="before")
    @classmethod
    def _integer_version(cls, value: Any) -> Any:
        try:
            return vocabulary.integer_version(value)
        except ValueError as error:
            raise PydanticCustomError("version_type", str(error)) from None
