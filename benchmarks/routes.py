"""The peers' route to the same answer, run as a fresh process by ``run.py``.

    python3 benchmarks/routes.py torchinfo lenet5|resnet18
    python3 benchmarks/routes.py onnx      lenet5|resnet18

``torchinfo``: import torch and torchinfo, build the network by hand as
``nn.Module`` s (torchvision is not used), ``torchinfo.summary`` on one input.

``onnx``: import onnx, build the same graph with ``onnx.helper`` (weights
declared as typed graph inputs, no data), ``onnx.shape_inference`` with
``strict_mode``, then read the output shape and count the weights.

Each prints one line, ``<output W>x<H>x<D> <params>``, so ``run.py`` can check
that the peer did the same work as netcheck (LeNet-5: 1x1x10 and 61,706
parameters; ResNet-18: 1x1x1000 and 11,689,512 trainable, 11,699,112 with
BatchNorm's running statistics).
"""

from __future__ import annotations

import sys

RESNET_STAGES = ((64, 1), (128, 2), (256, 2), (512, 2))


def torchinfo_route(net: str) -> str:
    import torch
    from torch import nn
    from torchinfo import summary

    if net == "lenet5":
        model: nn.Module = nn.Sequential(
            nn.Conv2d(1, 6, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(6, 16, 5), nn.Tanh(), nn.AvgPool2d(2),
            nn.Conv2d(16, 120, 5), nn.Tanh(), nn.Flatten(),
            nn.Linear(120, 84), nn.Tanh(), nn.Linear(84, 10), nn.Softmax(dim=1),
        )
        size = (1, 1, 32, 32)
    else:
        class BasicBlock(nn.Module):
            def __init__(self, cin: int, cout: int, stride: int) -> None:
                super().__init__()
                self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
                self.bn1 = nn.BatchNorm2d(cout)
                self.relu = nn.ReLU(inplace=True)
                self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
                self.bn2 = nn.BatchNorm2d(cout)
                self.downsample = None
                if stride != 1 or cin != cout:
                    self.downsample = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False),
                                                    nn.BatchNorm2d(cout))

            def forward(self, x: torch.Tensor) -> torch.Tensor:
                identity = x if self.downsample is None else self.downsample(x)
                out = self.relu(self.bn1(self.conv1(x)))
                out = self.bn2(self.conv2(out))
                return self.relu(out + identity)

        layers: list[nn.Module] = [nn.Conv2d(3, 64, 7, 2, 3, bias=False), nn.BatchNorm2d(64), nn.ReLU(inplace=True),
                                   nn.MaxPool2d(3, 2, 1)]
        cin = 64
        for cout, stride in RESNET_STAGES:
            layers += [BasicBlock(cin, cout, stride), BasicBlock(cout, cout, 1)]
            cin = cout
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(512, 1000)]
        model = nn.Sequential(*layers)
        size = (1, 3, 224, 224)
    model.eval()
    stats = summary(model, input_size=size, verbose=0, device="cpu")
    shape = stats.summary_list[-1].output_size  # [N, C] or [N, C, H, W]
    width, height, depth = (shape[3], shape[2], shape[1]) if len(shape) == 4 else (1, 1, shape[1])
    return f"{width}x{height}x{depth} {stats.total_params}"


def onnx_route(net: str) -> str:
    import onnx
    from onnx import TensorProto, helper, shape_inference

    nodes: list[onnx.NodeProto] = []
    inputs: list[onnx.ValueInfoProto] = []
    counter = [0]

    def fresh(prefix: str) -> str:
        counter[0] += 1
        return f"{prefix}{counter[0]}"

    def weight(shape: list[int]) -> str:
        name = fresh("w")
        inputs.append(helper.make_tensor_value_info(name, TensorProto.FLOAT, shape))
        return name

    def conv(x: str, cin: int, cout: int, k: int, s: int = 1, p: int = 0, bias: bool = True) -> str:
        ins = [x, weight([cout, cin, k, k])] + ([weight([cout])] if bias else [])
        out = fresh("conv")
        nodes.append(helper.make_node("Conv", ins, [out], kernel_shape=[k, k], strides=[s, s], pads=[p, p, p, p]))
        return out

    def bn(x: str, c: int) -> str:
        out = fresh("bn")
        nodes.append(helper.make_node("BatchNormalization", [x, *(weight([c]) for _ in range(4))], [out]))
        return out

    def op(kind: str, *xs: str, **attrs: object) -> str:
        out = fresh(kind.lower())
        nodes.append(helper.make_node(kind, list(xs), [out], **attrs))
        return out

    def gemm(x: str, cin: int, cout: int) -> str:
        return op("Gemm", x, weight([cout, cin]), weight([cout]), transB=1)

    if net == "lenet5":
        x = "image"
        image = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 1, 32, 32])
        x = op("AveragePool", op("Tanh", conv(x, 1, 6, 5)), kernel_shape=[2, 2], strides=[2, 2])
        x = op("AveragePool", op("Tanh", conv(x, 6, 16, 5)), kernel_shape=[2, 2], strides=[2, 2])
        x = op("Flatten", op("Tanh", conv(x, 16, 120, 5)))
        x = op("Softmax", gemm(op("Tanh", gemm(x, 120, 84)), 84, 10), axis=1)
    else:
        x = "image"
        image = helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 3, 224, 224])
        x = op("Relu", bn(conv(x, 3, 64, 7, 2, 3, bias=False), 64))
        x = op("MaxPool", x, kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
        cin = 64
        for cout, stride in RESNET_STAGES:
            for block_stride, block_in in ((stride, cin), (1, cout)):
                identity = x
                if block_stride != 1 or block_in != cout:
                    identity = bn(conv(x, block_in, cout, 1, block_stride, 0, bias=False), cout)
                out = op("Relu", bn(conv(x, block_in, cout, 3, block_stride, 1, bias=False), cout))
                out = bn(conv(out, cout, cout, 3, 1, 1, bias=False), cout)
                x = op("Relu", op("Add", out, identity))
            cin = cout
        x = gemm(op("Flatten", op("GlobalAveragePool", x)), 512, 1000)
    output = helper.make_tensor_value_info(x, TensorProto.FLOAT, None)
    graph = helper.make_graph(nodes, net, [image, *inputs], [output])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    inferred = shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    known = {info.name: info for info in [*inferred.graph.value_info, *inferred.graph.output]}
    dims = [d.dim_value for d in known[x].type.tensor_type.shape.dim] if x in known else []
    params = 0
    for info in inputs:
        size = 1
        for d in info.type.tensor_type.shape.dim:
            size *= d.dim_value
        params += size
    width, height, depth = (dims[3], dims[2], dims[1]) if len(dims) == 4 else (1, 1, dims[1] if dims else 0)
    return f"{width}x{height}x{depth} {params}"


ROUTES = {"torchinfo": torchinfo_route, "onnx": onnx_route}

if __name__ == "__main__":
    route, net = sys.argv[1], sys.argv[2]
    print(ROUTES[route](net))
