"""Both axes of a sliding window at once: conv2d, maxpool2d and avgpool2d share this."""

from __future__ import annotations

from dataclasses import dataclass

from netcheck.layers.base import Field, Flow, Problem, merge_axes
from netcheck.layers.window import Slide, Window, slide
from netcheck.vocabulary import Axes, pair


@dataclass(frozen=True, slots=True)
class Plane:
    """The output plane of a sliding window, None per axis where there is none."""

    width: int | None
    height: int | None
    fields: tuple[Field, Field]
    problems: list[Problem]


def padding_pair(padding: int | Axes | str) -> tuple[int | str, int | str]:
    """Padding as (width, height); ``valid`` is 0, ``same`` stays ``same``."""
    if padding == "valid":
        return (0, 0)
    if isinstance(padding, str):
        return (padding, padding)
    return pair(padding)


def slide_plane(
    flow: Flow,
    kernel: int | Axes,
    stride: int | Axes,
    padding: int | Axes | str,
    dilation: int | Axes,
    rounding: str,
) -> Plane:
    """Slide a window over both axes of ``flow`` and carry the receptive fields through."""
    kernels, strides, dilations = pair(kernel), pair(stride), pair(dilation)
    paddings = padding_pair(padding)
    windows = [
        Window("width", flow.shape.width, kernels[0], strides[0], paddings[0], dilations[0]),
        Window("height", flow.shape.height, kernels[1], strides[1], paddings[1], dilations[1]),
    ]
    slides: list[Slide] = [slide(window, rounding) for window in windows]
    fields = (
        flow.width.through_window(windows[0].kernel_eff, strides[0]),
        flow.height.through_window(windows[1].kernel_eff, strides[1]),
    )
    problems = merge_axes(slides[0].problems, slides[1].problems)
    return Plane(slides[0].size, slides[1].size, fields, problems)
