"""Shapes and window arithmetic shared by both directions (spec → module, module → spec)."""

from __future__ import annotations

from collections.abc import Sequence

from netcheck import spec
from netcheck.spec import Shape, pair


def torch_shape(shape: Sequence[int]) -> Shape:
    """A PyTorch tensor shape (N x C x H x W, or N x C) as netcheck's W x H x D."""
    if len(shape) == 4:
        return Shape(int(shape[3]), int(shape[2]), int(shape[1]))
    if len(shape) == 2:
        return Shape(1, 1, int(shape[1]))
    raise ValueError(f"a {len(shape)}-D tensor is neither a volume (N x C x H x W) nor a vector (N x C)")


def _kernel_eff(kernel: int, dilation: int) -> int:
    return dilation * (kernel - 1) + 1


def _floor_size(size: int, kernel_eff: int, stride: int, before: int, after: int) -> int:
    """PyTorch's output size for a window over ``size`` padded by ``before`` and ``after``."""
    return (size + before + after - kernel_eff) // stride + 1


def _ceil_size(size: int, kernel_eff: int, stride: int, pad: int) -> int:
    """PyTorch's pooling output size with ``ceil_mode=True`` (a last window starting in the padding is dropped)."""
    out = (size + 2 * pad - kernel_eff + stride - 1) // stride + 1
    if (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _format_ceil_size(size: int, kernel_eff: int, stride: int, pad: int) -> int:
    """netcheck's size under ``rounding: ceil``: exact sizes stay; others round up as PyTorch's ceil_mode.

    (PyTorch's ceil_mode also drops a last window that starts in the padding
    when the size is exact, which only happens with padding ≥ the kernel's
    span, beyond what PyTorch's pooling accepts.)
    """
    if (size + 2 * pad - kernel_eff) % stride == 0:
        return (size + 2 * pad - kernel_eff) // stride + 1
    return _ceil_size(size, kernel_eff, stride, pad)


def _same_pads(size: int, kernel_eff: int, stride: int) -> tuple[int, int]:
    """FORMAT.md's ``same``: output ceil(W/S), the total padding split evenly, the odd pixel right/bottom."""
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel_eff - size, 0)
    return total // 2, total - total // 2


def _axis_padding(padding: int | spec.AxisPadding | str, axis: int) -> int | str:
    if padding == "valid":
        return 0
    if isinstance(padding, str):
        return padding
    return pair(padding)[axis]


def _short(width: int, height: int) -> int | dict[str, int]:
    return width if width == height else {"width": width, "height": height}
