#!/usr/bin/python3
"""The PyTorch peer of the structured benchmark's resnet18 part: what 50 % channel pruning of ResNet18 gives with PyTorch tooling.

Builds torchvision's ResNet layout with BasicBlocks (torchvision.models.resnet.BasicBlock; --blocks per stage, default 2,2,2,2 =
ResNet18; ML.NET's CNTK ResNet18 file has 2,2,2,3, which the benchmark passes) twice, with random weights (torch.manual_seed): at full
width (64, 128, 256, 512 channels per stage, a stem of 64) and with every convolution's channels multiplied by --width (default 0.5:
32, 64, 128, 256, a stem of 32) -- what structured pruning of 50 % of every layer's channels, residual groups
coupled, leaves (the shape Torch-Pruning's DependencyGraph produces for ResNet18 at 50 % uniform channel sparsity). Both end
at the global average pool, without the classifier, like ML.NET's ResNet18 featurizer ([N, C, 1, 1] features).

Each is exported with torch.onnx.export: opset 13, eval mode (BatchNormalization folded into the convolutions by the exporter,
as ONNX Runtime would fuse it anyway), input "input" float [N, 3, 224, 224] and output "features" float [N, C, 1, 1], batch
dimension dynamic. The full-width model's parameter count is checked against torchvision's own
torchvision.models.resnet.ResNet(BasicBlock, blocks) without its fc layer (= torchvision.models.resnet18() for 2,2,2,2).

Run with Debian's /usr/bin/python3 (python3-torch 1.13, python3-torchvision, python3-onnx):
    /usr/bin/python3 benchmarks/peer/resnet_width.py --output /tmp/resnet-width --json out.json

JSON (one object): "versions" {python, torch, torchvision, onnx, numpy}, "width", "blocks", "seed", and "models": a list of
{"name" ("full" or "pruned"), "width", "onnx" (path), "parameters", "stem", "stages" (channels per stage), "feature_width"}.
"""
import argparse
import json
import os
import platform

import numpy
import onnx
import torch
import torchvision
from torch import nn
from torchvision.models.resnet import BasicBlock, conv1x1

INPUT, OUTPUT = "input", "features"


class ResNetWidth(nn.Module):
    """torchvision's ResNet layout (7x7/2 stem, 3x3/2 max pool, four stages of `blocks` BasicBlocks, global average pool) with
    every channel count scaled by `width`; no classifier."""

    def __init__(self, width, blocks):
        super().__init__()
        self.stem_channels = max(1, int(round(64 * width)))
        self.stages = [max(1, int(round(c * width))) for c in (64, 128, 256, 512)]
        self.conv1 = nn.Conv2d(3, self.stem_channels, kernel_size=7, stride=2, padding=3, bias=False)
        self.bn1 = nn.BatchNorm2d(self.stem_channels)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        inplanes = self.stem_channels
        layers = []
        for index, planes in enumerate(self.stages):
            stride = 1 if index == 0 else 2
            downsample = None
            if stride != 1 or inplanes != planes:
                downsample = nn.Sequential(conv1x1(inplanes, planes, stride), nn.BatchNorm2d(planes))
            stage = [BasicBlock(inplanes, planes, stride, downsample)] + [BasicBlock(planes, planes) for _ in range(blocks[index] - 1)]
            layers.append(nn.Sequential(*stage))
            inplanes = planes
        self.layer1, self.layer2, self.layer3, self.layer4 = layers
        self.avgpool = nn.AdaptiveAvgPool2d((1, 1))

    def forward(self, x):
        x = self.maxpool(self.relu(self.bn1(self.conv1(x))))
        x = self.layer4(self.layer3(self.layer2(self.layer1(x))))
        return self.avgpool(x)


def export(model, path):
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 3, 224, 224), path, opset_version=13, input_names=[INPUT], output_names=[OUTPUT],
                      dynamic_axes={INPUT: {0: "N"}, OUTPUT: {0: "N"}})
    onnx.checker.check_model(onnx.load(path))


def parameters(model):
    return sum(p.numel() for p in model.parameters())


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--width", type=float, default=0.5)
    parser.add_argument("--blocks", default="2,2,2,2", help="BasicBlocks per stage, four comma-separated counts")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", required=True)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    if not 0 < args.width <= 1:
        parser.error(f"--width must be in (0, 1]; got {args.width}")
    blocks = [int(b) for b in args.blocks.split(",")]
    if len(blocks) != 4 or min(blocks) < 1:
        parser.error(f"--blocks takes four positive counts; got {args.blocks}")
    os.makedirs(args.output, exist_ok=True)
    torch.manual_seed(args.seed)

    reference = torchvision.models.resnet.ResNet(BasicBlock, blocks)
    expected = parameters(reference) - parameters(reference.fc)
    models = []
    for name, width in (("full", 1.0), ("pruned", args.width)):
        model = ResNetWidth(width, blocks)
        if width == 1.0 and parameters(model) != expected:
            raise SystemExit(f"The full-width model has {parameters(model)} parameters; torchvision's ResNet(BasicBlock, {blocks}) without fc has {expected}.")
        path = os.path.join(args.output, f"resnet-{'-'.join(map(str, blocks))}-width{width:g}.onnx")
        export(model, path)
        models.append({"name": name, "width": width, "onnx": os.path.abspath(path), "parameters": parameters(model),
                       "stem": model.stem_channels, "stages": model.stages, "feature_width": model.stages[-1]})
        print(f"{name}: width {width:g}, {parameters(model):,} parameters, stages {model.stages} -> {path}", flush=True)

    result = {
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "torchvision": torchvision.__version__,
                     "onnx": onnx.__version__, "numpy": numpy.__version__},
        "width": args.width, "blocks": blocks, "seed": args.seed, "models": models,
    }
    with open(args.json, "w") as f:
        json.dump(result, f, indent=1)


if __name__ == "__main__":
    main()
