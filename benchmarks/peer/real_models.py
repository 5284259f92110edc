#!/usr/bin/python3
"""PyTorch models and the PyTorch peer of the lenet5 and engine-throughput benchmarks.

Two small convolutional networks for Fashion-MNIST, defined here and nowhere else:
  lenet5  conv1 6@5x5 pad 2 -> relu -> maxpool 2 -> conv2 16@5x5 -> relu -> maxpool 2 -> flatten (400)
          -> fc1 120 -> relu -> fc2 84 -> relu -> fc3 10                                 (61,706 parameters)
  resnet  conv 16@3x3 pad 1 (no bias) + bn + relu -> maxpool 2 (14x14)
          -> block1: basic residual block 16 -> 16 (two 3x3 convs with bn; identity shortcut)
          -> block2: basic residual block 16 -> 32, stride 2 (7x7; 1x1 conv + bn shortcut)
          -> separable: depthwise 3x3 (groups = 32) + bn + relu, pointwise 1x1 32 -> 64 + bn + relu
          -> global average pool -> fc 64 -> 10
Initializer names in the ONNX files are the PyTorch state_dict names (conv1.weight, block2.shortcut_bn.running_mean, ...):
the hand-built TorchSharp modules of Pruning.Benchmarks copy their weights by these names.

Modes (run with Debian's /usr/bin/python3: python3-torch 1.13, python3-onnx, python3-numpy):

  train       Trains --model from scratch on Fashion-MNIST (Adam lr 1e-3, batch 128, --epochs, --seed: torch.manual_seed
              before the weights are drawn, a torch.Generator seeded the same for the shuffles) and writes
              <output>/<model>.onnx (opset 13; input "Features" float [N,1,28,28], output "Score" float [N,10] logits;
              batch axis dynamic; BatchNormalization nodes kept in inference form, not folded into the convolutions),
              <output>/<model>.pt (the state_dict) and the JSON. It reloads the ONNX initializers into a fresh model and
              checks that its test logits equal the trained model's (the name mapping the peer and the benchmarks rely on).
      /usr/bin/python3 benchmarks/peer/real_models.py train --model lenet5 --epochs 4 --output /tmp/real-models --json out.json

  prune       The torch side of the lenet5 benchmark. Loads the dense weights from --onnx into the model, prunes the
              weights named by --prunable (default: every Conv and Linear weight) with
              prune.global_unstructured(L1Unstructured) at --sparsity, or at the sparsity of --ours (a file pruned by
              Microsoft.ML.Pruning: its zeros over the same weights are its masks; the share of positions where the two
              masks agree is reported), then fine-tunes --epochs with Adam lr 1e-3, batch 128, on the per-epoch row
              orders in --orders (int32 little-endian, epochs x rows: our training loop's batches) or, without it, on
              torch.randperm orders from --seed. Biases are never pruned.
      /usr/bin/python3 benchmarks/peer/real_models.py prune --model lenet5 --onnx lenet5.onnx --ours ours.onnx \
          --prunable conv1.weight,conv2.weight,fc1.weight,fc2.weight,fc3.weight --orders orders.int32 --epochs 2 --json out.json

  throughput  Training samples/s of --model (weights from --onnx) on the batches of --orders (first epoch's order;
              block b uses rows order[(b*steps + k) * batch ...] wrapping around): --warmup steps, then --rounds blocks
              of --steps steps, each timed; a step is gather, forward, cross-entropy, zero_grad, backward, Adam step,
              loss.item(). Reports each block's samples/s and the median.
      /usr/bin/python3 benchmarks/peer/real_models.py throughput --model resnet --onnx resnet.onnx --orders orders.int32 --json out.json

Every mode takes --data (Fashion-MNIST IDX .gz files, default /usr/share/datasets/fashion-mnist), --threads (default 2)
and --limit-train N (use only the first N training rows: smoke runs; orders files must then hold permutations of N rows).

JSON (one object): "mode", "model", "versions" {python, torch, onnx, numpy}, "threads", "train_rows", "test_rows", and
  train:      "epochs", "seed", "accuracy" (test, in [0, 1]), "train_seconds", "parameters", "onnx", "state",
              "reload_max_abs_difference" (test logits of the reloaded ONNX weights vs the trained model), "losses" (per epoch)
  prune:      "dense_accuracy", "sparsity" (asked for, or our file's), "actual_sparsity" (zeros / prunable weights after
              torch's pruning), "one_shot" (accuracy), "mask_agreement" and "ours_one_shot" (torch's accuracy with our file's
              weights; only with --ours), "fine_tuned", "fine_tuned_sparsity", "fine_tune_seconds", "epochs",
              "orders" (path or null), "prunable" (names), "losses" (mean loss per fine-tune epoch); with --dense-fine-tune
              also "dense_fine_tuned" (accuracy) and "dense_fine_tune_seconds"
  throughput: "batch", "steps", "warmup", "rounds", "samples_per_second" (one per block), "median_samples_per_second",
              "first_loss" (loss of the first warm-up step), "mean_loss" (over all timed steps)
"""
import argparse
import hashlib
import os
import platform
import sys
import time

import numpy as np
import onnx
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import prune

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from torch_prune import check, initializers, read_idx, read_orders, write_json  # noqa: E402  (the lenet peer's readers)

INPUT = "Features"
OUTPUT = "Score"
BATCH = 128
LEARNING_RATE = 1e-3


def log(message):
    print(f"[real models] {message}", file=sys.stderr, flush=True)


class LeNet5(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 5, padding=2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        x = torch.flatten(x, 1)
        x = F.relu(self.fc1(x))
        x = F.relu(self.fc2(x))
        return self.fc3(x)


class BasicBlock(nn.Module):
    """Two 3x3 convolutions with batch norm; identity shortcut, or 1x1 conv + bn when the shape changes."""

    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride=stride, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.downsample = stride != 1 or cin != cout
        if self.downsample:
            self.shortcut_conv = nn.Conv2d(cin, cout, 1, stride=stride, bias=False)
            self.shortcut_bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        shortcut = self.shortcut_bn(self.shortcut_conv(x)) if self.downsample else x
        return F.relu(out + shortcut)


class SeparableBlock(nn.Module):
    """Depthwise 3x3 (one filter per channel) + bn + relu, then pointwise 1x1 + bn + relu."""

    def __init__(self, cin, cout):
        super().__init__()
        self.depthwise = nn.Conv2d(cin, cin, 3, padding=1, groups=cin, bias=False)
        self.bn1 = nn.BatchNorm2d(cin)
        self.pointwise = nn.Conv2d(cin, cout, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)

    def forward(self, x):
        x = F.relu(self.bn1(self.depthwise(x)))
        return F.relu(self.bn2(self.pointwise(x)))


class SmallResNet(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn = nn.BatchNorm2d(16)
        self.block1 = BasicBlock(16, 16, 1)
        self.block2 = BasicBlock(16, 32, 2)
        self.separable = SeparableBlock(32, 64)
        self.fc = nn.Linear(64, 10)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.bn(self.conv(x))), 2)
        x = self.separable(self.block2(self.block1(x)))
        x = torch.flatten(F.adaptive_avg_pool2d(x, 1), 1)
        return self.fc(x)


MODELS = {"lenet5": LeNet5, "resnet": SmallResNet}


def images(x):
    """[n, 784] pixels in [0, 1] (the C# reader's scaling) as [n, 1, 28, 28]."""
    return x.reshape(-1, 1, 28, 28)


def load_data(folder, limit_train, result):
    train_x, train_y = read_idx(folder, "train")
    test_x, test_y = read_idx(folder, "t10k")
    if limit_train is not None:
        if limit_train < 1:
            raise SystemExit("--limit-train must be at least 1")
        train_x, train_y = train_x[:limit_train], train_y[:limit_train]
    result.update(train_rows=train_x.shape[0], test_rows=test_x.shape[0])
    return images(train_x), train_y, images(test_x), test_y


def prunable_modules(model):
    """Every Conv2d and Linear: the layers whose weights Microsoft.ML.Pruning lists as prunable (Conv W, Gemm B)."""
    return {name: m for name, m in model.named_modules() if isinstance(m, (nn.Conv2d, nn.Linear))}


def load_onnx_weights(model, path):
    """Copies the file's initializers into the model's state by name (num_batches_tracked, not exported, is left)."""
    weights = initializers(path)
    state = model.state_dict()
    missing = [k for k in state if k not in weights and not k.endswith("num_batches_tracked")]
    if missing:
        raise ValueError(f"{path} has no initializer for {missing}; its initializers are {sorted(weights)}")
    with torch.no_grad():
        for key, value in state.items():
            if key in weights:
                source = torch.tensor(np.array(weights[key]))
                if tuple(source.shape) != tuple(value.shape):
                    raise ValueError(f"{path}: initializer {key} has shape {tuple(source.shape)}; the model's is {tuple(value.shape)}")
                value.copy_(source)
    return model


@torch.no_grad()
def logits(model, x, batch=1000):
    model.eval()
    return torch.cat([model(x[i:i + batch]) for i in range(0, x.shape[0], batch)])


def accuracy(model, x, y):
    return (logits(model, x).argmax(dim=1) == y).double().mean().item()


def train_epochs(model, x, y, epochs, seed=None, orders=None):
    """Adam lr 1e-3 + cross-entropy over batches of 128 in shuffled order (randperm from seed, or the given per-epoch
    orders); returns (wall seconds, mean loss per epoch)."""
    generator = torch.Generator().manual_seed(seed if seed is not None else 0)
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    model.train()
    losses = []
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator) if orders is None else orders[epoch]
        total, batches = 0.0, 0
        for i in range(0, x.shape[0], BATCH):
            index = order[i:i + BATCH]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
            total += loss.item()
            batches += 1
        losses.append(total / max(1, batches))
        log(f"epoch {epoch + 1}/{epochs}: mean loss {losses[-1]:.5f} ({time.perf_counter() - start:.1f} s so far)")
    return time.perf_counter() - start, losses


def export(model, path):
    """ONNX opset 13, dynamic batch axis. PRESERVE on a model in eval mode keeps BatchNormalization nodes (in inference
    form) instead of folding them into the convolutions, as EVAL would; no constant folding, so every initializer keeps
    its state_dict name."""
    model.eval()
    torch.onnx.export(model, torch.zeros(1, 1, 28, 28), path, opset_version=13, input_names=[INPUT], output_names=[OUTPUT],
                      dynamic_axes={INPUT: {0: "N"}, OUTPUT: {0: "N"}}, training=torch.onnx.TrainingMode.PRESERVE,
                      do_constant_folding=False)
    model_proto = onnx.load(path)
    separate_deduplicated_initializers(model_proto)
    onnx.checker.check_model(model_proto, full_check=True)
    onnx.save(model_proto, path)


def separate_deduplicated_initializers(model_proto):
    """The exporter stores initializers with equal values once and feeds the others through Identity nodes (block2's
    bn2.bias and shortcut_bn.bias get the same gradient from the residual Add, so they stay equal). Each gets its own
    initializer back, as each is its own parameter in PyTorch and in the hand-built TorchSharp module."""
    graph = model_proto.graph
    stored = {t.name: t for t in graph.initializer}
    for node in [n for n in graph.node if n.op_type == "Identity" and n.input[0] in stored]:
        copy = onnx.TensorProto()
        copy.CopyFrom(stored[node.input[0]])
        copy.name = node.output[0]
        graph.initializer.append(copy)
        graph.node.remove(node)


def file_sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def run_train(args, result):
    train_x, train_y, test_x, test_y = load_data(args.data, args.limit_train, result)
    torch.manual_seed(args.seed)
    model = MODELS[args.model]()
    seconds, losses = train_epochs(model, train_x, train_y, args.epochs, seed=args.seed)
    os.makedirs(args.output, exist_ok=True)
    onnx_path = os.path.join(args.output, f"{args.model}.onnx")
    state_path = os.path.join(args.output, f"{args.model}.pt")
    export(model, onnx_path)
    torch.save(model.state_dict(), state_path)
    reloaded = load_onnx_weights(MODELS[args.model](), onnx_path)
    difference = (logits(reloaded, test_x) - logits(model, test_x)).abs().max().item()
    result.update(epochs=args.epochs, seed=args.seed, accuracy=accuracy(model, test_x, test_y), train_seconds=seconds, losses=losses,
                  parameters=sum(p.numel() for p in model.parameters()), onnx=onnx_path, state=state_path,
                  onnx_sha256=file_sha256(onnx_path), reload_max_abs_difference=difference,
                  ops=sorted({node.op_type for node in onnx.load(onnx_path).graph.node}))
    log(f"{args.model}: {args.epochs} epochs in {seconds:.1f} s, test accuracy {result['accuracy']:.4f}; wrote {onnx_path} "
        f"(ops {', '.join(result['ops'])}; reloaded logits differ by at most {difference:.3g})")
    if difference > 1e-5:
        raise SystemExit(f"The ONNX initializers of {onnx_path} do not reproduce the trained model (max |diff| {difference})")


def mask_of(values):
    return np.asarray(values) != 0


def run_prune(args, result):
    train_x, train_y, test_x, test_y = load_data(args.data, args.limit_train, result)
    torch.manual_seed(args.seed)
    model = load_onnx_weights(MODELS[args.model](), args.onnx)
    modules = prunable_modules(model)
    names = args.prunable.split(",") if args.prunable else [f"{name}.weight" for name in modules]
    targets = []
    for name in names:
        module_name, _, attribute = name.rpartition(".")
        if attribute != "weight" or module_name not in modules:
            raise SystemExit(f"--prunable names '{name}', which is not the weight of a Conv2d or Linear of {args.model} "
                             f"({', '.join(f'{n}.weight' for n in modules)})")
        targets.append((name, modules[module_name]))
    total = sum(m.weight.numel() for _, m in targets)
    result["dense_accuracy"] = accuracy(model, test_x, test_y)

    ours = None
    if args.ours:
        ours = initializers(args.ours)
        sparsity = sum(int((~mask_of(ours[name])).sum()) for name, _ in targets) / total
    else:
        sparsity = args.sparsity
    prune.global_unstructured([(m, "weight") for _, m in targets], pruning_method=prune.L1Unstructured, amount=sparsity)
    zeros = lambda: sum(int((m.weight == 0).sum()) for _, m in targets)  # noqa: E731
    result.update(sparsity=sparsity, actual_sparsity=zeros() / total, one_shot=accuracy(model, test_x, test_y), prunable=names)
    if ours is not None:
        agree = sum(int(((m.weight_mask.numpy() != 0) == mask_of(ours[name])).sum()) for name, m in targets)
        result["mask_agreement"] = agree / total
        ours_model = load_onnx_weights(MODELS[args.model](), args.ours)
        result["ours_one_shot"] = accuracy(ours_model, test_x, test_y)
    log(f"dense {result['dense_accuracy']:.4f}; torch L1 at {sparsity:.4%}: one-shot {result['one_shot']:.4f}"
        + (f", masks agree with ours on {result['mask_agreement']:.6%}" if ours is not None else ""))

    orders = read_orders(args.orders, train_x.shape[0]) if args.orders else None
    if orders is not None and orders.shape[0] != args.epochs:
        raise SystemExit(f"{args.orders} holds {orders.shape[0]} epochs of row orders; --epochs is {args.epochs}")
    if args.dense_fine_tune:
        dense = load_onnx_weights(MODELS[args.model](), args.onnx)
        seconds, _ = train_epochs(dense, train_x, train_y, args.epochs, seed=args.seed, orders=orders)
        result.update(dense_fine_tuned=accuracy(dense, test_x, test_y), dense_fine_tune_seconds=seconds)
        log(f"dense + {args.epochs} epochs: {result['dense_fine_tuned']:.4f} in {seconds:.1f} s")
    seconds, losses = train_epochs(model, train_x, train_y, args.epochs, seed=args.seed, orders=orders)
    result.update(fine_tuned=accuracy(model, test_x, test_y), fine_tuned_sparsity=zeros() / total, fine_tune_seconds=seconds,
                  losses=losses, epochs=args.epochs, orders=args.orders)
    log(f"+ {args.epochs} epochs: {result['fine_tuned']:.4f} (sparsity {result['fine_tuned_sparsity']:.4%}) in {seconds:.1f} s")
    if args.check:
        result["check"] = check(args.check)


def run_throughput(args, result):
    train_x, train_y, _, _ = load_data(args.data, args.limit_train, result)
    order = read_orders(args.orders, train_x.shape[0])[0] if args.orders else torch.randperm(train_x.shape[0], generator=torch.Generator().manual_seed(args.seed))
    model = load_onnx_weights(MODELS[args.model](), args.onnx)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=LEARNING_RATE)
    rows = train_x.shape[0]
    position = 0

    def step():
        nonlocal position
        index = order[torch.arange(position, position + args.batch) % rows]
        position = (position + args.batch) % rows
        optimizer.zero_grad()
        loss = F.cross_entropy(model(train_x[index]), train_y[index])
        loss.backward()
        optimizer.step()
        return loss.item()

    result["first_loss"] = step()
    for _ in range(args.warmup - 1):
        step()
    rates, losses = [], []
    for block in range(args.rounds):
        start = time.perf_counter()
        for _ in range(args.steps):
            losses.append(step())
        rates.append(args.steps * args.batch / (time.perf_counter() - start))
        log(f"{args.model} block {block + 1}/{args.rounds}: {rates[-1]:.0f} samples/s")
    result.update(batch=args.batch, steps=args.steps, warmup=args.warmup, rounds=args.rounds, samples_per_second=rates,
                  median_samples_per_second=float(np.median(rates)), mean_loss=float(np.mean(losses)), orders=args.orders)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mode", choices=["train", "prune", "throughput"])
    parser.add_argument("--model", required=True, choices=sorted(MODELS))
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--limit-train", type=int, help="only the first N training rows (smoke runs)")
    parser.add_argument("--json", required=True, help="where to write the results")
    parser.add_argument("--epochs", type=int, help="train: dense epochs (default 4); prune: fine-tune epochs (default 2)")
    parser.add_argument("--output", help="train: folder for <model>.onnx and <model>.pt")
    parser.add_argument("--onnx", help="prune, throughput: the dense ONNX file written by train")
    parser.add_argument("--ours", help="prune: our pruned file; torch prunes to its sparsity and compares masks")
    parser.add_argument("--sparsity", type=float, help="prune: the sparsity, without --ours")
    parser.add_argument("--prunable", help="prune: comma-separated weight names pruned together (default every Conv/Linear weight)")
    parser.add_argument("--orders", help="prune: per-epoch row orders (int32, epochs x rows); throughput: its first row order")
    parser.add_argument("--check", help="prune: a file for onnx.checker")
    parser.add_argument("--dense-fine-tune", action="store_true",
                        help="prune: also fine-tune the unpruned weights the same way (what the extra epochs alone give)")
    parser.add_argument("--batch", type=int, default=BATCH, help="throughput: rows per step")
    parser.add_argument("--steps", type=int, default=50, help="throughput: steps per timed block")
    parser.add_argument("--warmup", type=int, default=10, help="throughput: untimed steps first")
    parser.add_argument("--rounds", type=int, default=5, help="throughput: timed blocks")
    args = parser.parse_args()
    if args.mode == "train" and not args.output:
        parser.error("train needs --output")
    if args.mode in ("prune", "throughput") and not args.onnx:
        parser.error(f"{args.mode} needs --onnx")
    if args.mode == "prune" and (args.ours is None) == (args.sparsity is None):
        parser.error("prune needs exactly one of --ours and --sparsity")
    if args.sparsity is not None and not 0 <= args.sparsity < 1:
        parser.error("--sparsity must be within [0, 1)")
    if min(args.batch, args.steps, args.warmup, args.rounds) < 1:
        parser.error("--batch, --steps, --warmup and --rounds must be at least 1")
    if args.epochs is None:
        args.epochs = 4 if args.mode == "train" else 2
    if args.epochs < 1:
        parser.error("--epochs must be at least 1")

    torch.set_num_threads(args.threads)
    result = {"mode": args.mode, "model": args.model, "threads": torch.get_num_threads(),
              "versions": {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__},
              "script_sha256": file_sha256(os.path.abspath(__file__)), "data": args.data, "limit_train": args.limit_train}
    {"train": run_train, "prune": run_prune, "throughput": run_throughput}[args.mode](args, result)
    write_json(result, args.json)


if __name__ == "__main__":
    main()
