"""PyTorch in both directions: specs become ``torch.nn.Module``s, modules become specs.

    from netcheck.torch import to_module, from_module, to_yaml
    module = to_module(netcheck.load("specs/resnet18.yaml"))     # an nn.Module, one submodule per layer
    network = from_module(torchvision.models.resnet18(), input="224x224x3")
    print(to_yaml(network))

torch is imported here and only here: the CLI imports this module only for
``netcheck import-torch`` (install the ``cnn-netcheck[torch]`` extra).

Shapes: netcheck writes volumes W x H x D; PyTorch tensors are N x C x H x W,
and vectors (after ``flatten`` or ``dense``) are N x C, which netcheck writes
1 x 1 x C.

Where the format allows what PyTorch's own layers refuse, ``to_module`` emulates
it with explicit padding (``F.pad``) and plain PyTorch ops, so every valid spec
builds: asymmetric ``same`` padding, ``same`` with stride > 1, ``ceil`` rounding
of a convolution, pool padding over half the kernel (NC301), a transposed
convolution's ``same`` padding or an output_padding PyTorch refuses (NC301).
``docs/torch.md`` lists these differences.
"""

from __future__ import annotations

from netcheck.torch.build import INPUT as INPUT
from netcheck.torch.build import NetworkModule, to_module
from netcheck.torch.command import FactoryError, import_command, load_factory
from netcheck.torch.errors import FromModuleError, SpecRefused, TorchImportWarning, UnsupportedOp
from netcheck.torch.layers import ACTIVATIONS as ACTIVATIONS
from netcheck.torch.layers import Add as Add
from netcheck.torch.layers import AvgPool2d as AvgPool2d
from netcheck.torch.layers import Concat as Concat
from netcheck.torch.layers import Conv2d as Conv2d
from netcheck.torch.layers import ConvTranspose2d as ConvTranspose2d
from netcheck.torch.layers import GlobalAvgPool2d as GlobalAvgPool2d
from netcheck.torch.layers import GlobalMaxPool2d as GlobalMaxPool2d
from netcheck.torch.layers import Linear as Linear
from netcheck.torch.layers import MaxPool2d as MaxPool2d
from netcheck.torch.layers import activation_module as activation_module
from netcheck.torch.module_ops import _has as _has
from netcheck.torch.nodes import TRACE_BATCH as TRACE_BATCH
from netcheck.torch.sizes import torch_shape
from netcheck.torch.trace import from_module
from netcheck.torch.writer import to_yaml

__all__ = [
    "FactoryError", "FromModuleError", "NetworkModule", "SpecRefused", "TorchImportWarning", "UnsupportedOp",
    "from_module", "import_command", "load_factory", "to_module", "to_yaml", "torch_shape",
]
