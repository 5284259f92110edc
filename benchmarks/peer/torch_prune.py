#!/usr/bin/python3
"""The PyTorch peer of the lenet benchmark.

Loads the dense LeNet-300-100 that Pruning.Benchmarks exported (ONNX initializers fc1.weight, fc1.bias, ...)
into an equivalent nn.Sequential of Linear/ReLU, then for each sparsity prunes it with
torch.nn.utils.prune.global_unstructured(L1Unstructured) and fine-tunes it (Adam, lr 1e-3, batch 128; the
pruning re-parametrization keeps the masks). Reports test accuracies, and how many weight positions our
one-shot file and torch's mask agree on. Optionally runs onnx.checker on a compact (sparse-initializer) file.

With --seeds it only repeats the fine-tuning (sparsity 0 = the dense model) once per seed and sparsity, for the
seed-averaged comparison of the fine-tune-seeds benchmark. With --orders it only fine-tunes on the batch order our
training loop took (fine-tune-replay benchmark) and compares the result with our fine-tuned files.

With --criteria it compares pruning criteria instead (the pruning-criteria benchmark); see CRITERIA below.

Run with Debian's /usr/bin/python3 (python3-torch, python3-onnx, python3-numpy):
    /usr/bin/python3 benchmarks/peer/torch_prune.py --model dense.onnx --json out.json
    /usr/bin/python3 benchmarks/peer/torch_prune.py --criteria --model dense.onnx --json criteria.json

CRITERIA (--criteria; uses --sparsities, --epochs, --seed, --threads, --calibration-rows, --neuron-fraction, --limit-train)
Every model starts from the dense file's weights; every fine-tune is fine_tune() with --seed (Adam, lr 1e-3, batch
128), so all runs see the same batch order. Accuracies are fractions of the 10,000 test images, in [0, 1].
  A. Unstructured, for each sparsity, scope ("global" = one threshold over fc1/fc2/fc3 weights together, "layer" =
     each weight pruned to the sparsity on its own) and method:
       "l1"     smallest |w|: prune.global_unstructured(L1Unstructured) / prune.l1_unstructured;
       "random" prune.global_unstructured(RandomUnstructured) / prune.random_unstructured, after
                torch.manual_seed(--seed) (so the random masks of the different sparsities are nested);
       "taylor" smallest first-order Taylor importance, sum over batches of |w * dL/dw|, L the mean cross-entropy of
                a batch, on the dense model in eval mode, over the first --calibration-rows training rows in file
                order (batches of 128; taken from the whole training set, not cut by --limit-train); applied as the
                importance_scores of the same two L1 calls.
     Biases are never pruned; sparsity counts the weights of fc1, fc2 and fc3 only.
  B. Neurons: --neuron-fraction of the hidden units of fc1 and of fc2 (rows of fc1.weight / fc2.weight; fc3 is left
     alone), per layer, by "random" (prune.random_structured(dim=0), after torch.manual_seed(--seed)) or "l2"
     (prune.ln_structured(n=2, dim=0), smallest row norms). The biases of removed units are kept (and trained by the
     fine-tune), so such a unit outputs the constant ReLU(bias) into the next layer; its fc2/fc3 column stays.
  C. The dense model's accuracy, and the dense model fine-tuned --epochs more with the same seed as the reference.

JSON written by --criteria (one object, flat):
  "mode": "criteria", "model": path, "data": path,
  "dense": accuracy of the dense file, "dense_tuned": after --epochs of fine-tuning, "dense_tune_seconds",
  "unstructured": list, one per (sparsity, scope, method), in that nesting order, of
      {"method": "l1" | "random" | "taylor", "scope": "global" | "layer", "sparsity": asked for,
       "actual_sparsity": zero weights / all weights after pruning, "tuned_sparsity": the same after fine-tuning,
       "one_shot": accuracy right after pruning, "tuned": after fine-tuning,
       "prune_seconds": wall time of pruning (for taylor including the importance pass), "tune_seconds"},
  "neurons": list, one per method, of
      {"method": "random" | "l2", "fraction", "removed_fc1", "removed_fc2": how many units, "actual_sparsity",
       "tuned_sparsity", "one_shot", "tuned", "prune_seconds", "tune_seconds",
       "removed_unit_bias": how the biases of removed units are treated (kept, so the unit outputs ReLU(bias))},
  "sparsities", "neuron_fraction", "epochs", "seed", "calibration_rows", "calibration_batch": 128,
  "train_rows": rows fine-tuned on (--limit-train), "test_rows", "threads", "torch", "onnx", "numpy", "python".
"""
import argparse
import gzip
import json
import os
import platform
import sys
import time

import numpy as np
import onnx
from onnx import numpy_helper
import torch
from torch import nn
import torch.nn.functional as F
from torch.nn.utils import prune

LAYERS = ("fc1", "fc2", "fc3")


def log(message):
    print(f"[torch peer] {message}", file=sys.stderr, flush=True)


def read_idx(folder, split):
    """Fashion-MNIST IDX files as (float32 [n, 784] in [0, 1], int64 [n]), scaled like the C# reader (byte / 255)."""
    with gzip.open(os.path.join(folder, f"{split}-images-idx3-ubyte.gz"), "rb") as f:
        images = f.read()
    with gzip.open(os.path.join(folder, f"{split}-labels-idx1-ubyte.gz"), "rb") as f:
        labels = f.read()
    if int.from_bytes(images[0:4], "big") != 2051 or int.from_bytes(labels[0:4], "big") != 2049:
        raise ValueError(f"{folder} does not hold Fashion-MNIST IDX files for {split}")
    n = int.from_bytes(images[4:8], "big")
    x = np.frombuffer(images, dtype=np.uint8, offset=16, count=n * 784).reshape(n, 784).astype(np.float32) / np.float32(255)
    y = np.frombuffer(labels, dtype=np.uint8, offset=8, count=n).astype(np.int64)
    return torch.from_numpy(x), torch.from_numpy(y)


def initializers(path):
    """Every float initializer of an ONNX file as a numpy array: dense, sparse initializers and Constant nodes holding a
    sparse_value (the compact form Microsoft.ML.Pruning writes by default), expanded."""
    model = onnx.load(path)
    result = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
    sparse_tensors = [(sparse.values.name, sparse) for sparse in model.graph.sparse_initializer]
    for node in model.graph.node:
        if node.op_type == "Constant":
            for attribute in node.attribute:
                if attribute.name == "sparse_value":
                    sparse_tensors.append((node.output[0], attribute.sparse_tensor))
    for name, sparse in sparse_tensors:
        values = numpy_helper.to_array(sparse.values)
        indices = numpy_helper.to_array(sparse.indices)
        dense = np.zeros(int(np.prod(sparse.dims)), dtype=values.dtype)
        if indices.ndim == 1:
            dense[indices] = values
        else:
            dense[np.ravel_multi_index(tuple(indices.T), tuple(sparse.dims))] = values
        result[name] = dense.reshape(tuple(sparse.dims))
    return result


def lenet(weights):
    """nn.Sequential(Linear(784,300), ReLU, Linear(300,100), ReLU, Linear(100,10)) holding the given weights."""
    shapes = [weights[f"{name}.weight"].shape for name in LAYERS]
    model = nn.Sequential(
        nn.Linear(shapes[0][1], shapes[0][0]), nn.ReLU(),
        nn.Linear(shapes[1][1], shapes[1][0]), nn.ReLU(),
        nn.Linear(shapes[2][1], shapes[2][0]))
    with torch.no_grad():
        for name, linear in zip(LAYERS, linears(model)):
            linear.weight.copy_(torch.tensor(np.array(weights[f"{name}.weight"])))
            linear.bias.copy_(torch.tensor(np.array(weights[f"{name}.bias"])))
    return model


def linears(model):
    return [m for m in model if isinstance(m, nn.Linear)]


@torch.no_grad()
def accuracy(model, x, y):
    model.eval()
    return (model(x).argmax(dim=1) == y).double().mean().item()


def fine_tune(model, x, y, epochs, seed, batch=128, lr=1e-3, orders=None):
    """Adam + cross-entropy over shuffled batches (or over the given per-epoch row orders); returns wall seconds."""
    generator = torch.Generator().manual_seed(seed)
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    model.train()
    start = time.perf_counter()
    for epoch in range(epochs):
        order = torch.randperm(x.shape[0], generator=generator) if orders is None else orders[epoch]
        for i in range(0, x.shape[0], batch):
            index = order[i:i + batch]
            optimizer.zero_grad()
            loss = F.cross_entropy(model(x[index]), y[index])
            loss.backward()
            optimizer.step()
    return time.perf_counter() - start


def sparsity_of(model):
    weights = [m.weight for m in linears(model)]
    total = sum(w.numel() for w in weights)
    zeros = sum(int((w == 0).sum()) for w in weights)
    return zeros / total


def check(path):
    """onnx.checker on the file: the plain check, then with full_check (shape inference)."""
    result = {"path": path}
    model = onnx.load(path)
    try:
        onnx.checker.check_model(model)
        result.update(ok=True, error=None)
    except Exception as e:  # the checker raises several types; report any
        result.update(ok=False, error=f"{type(e).__name__}: {e}")
    try:
        onnx.checker.check_model(model, full_check=True)
        result.update(full_check_ok=True, full_check_error=None)
    except Exception as e:
        result.update(full_check_ok=False, full_check_error=f"{type(e).__name__}: {e}")
    return result


def pruned(weights, sparsity):
    """lenet(weights) pruned by prune.global_unstructured(L1Unstructured) to the sparsity; sparsity 0 is left unpruned."""
    model = lenet(weights)
    if sparsity > 0:
        prune.global_unstructured([(m, "weight") for m in linears(model)], pruning_method=prune.L1Unstructured, amount=sparsity)
    return model


def seed_runs(dense_weights, train_x, train_y, test_x, test_y, sparsities, seeds, epochs):
    """Fine-tunes a freshly pruned copy of the dense weights once per (seed, sparsity); sparsity 0 is not pruned."""
    runs = []
    for seed in seeds:
        torch.manual_seed(seed)
        for s in sparsities:
            model = pruned(dense_weights, s)
            seconds = fine_tune(model, train_x, train_y, epochs, seed)
            run = {"seed": seed, "sparsity": s, "accuracy": accuracy(model, test_x, test_y), "seconds": seconds,
                   "sparsity_after": sparsity_of(model)}
            runs.append(run)
            log(f"seed {seed}, {s:.0%}: + {epochs} epochs {run['accuracy']:.4f} in {seconds:.1f} s (sparsity {run['sparsity_after']:.4f})")
    return runs


def read_orders(path, rows):
    """Our loop's per-epoch row orders: int32 little-endian, epochs x rows."""
    flat = np.fromfile(path, dtype="<i4")
    if flat.size == 0 or flat.size % rows != 0:
        raise ValueError(f"{path} holds {flat.size} int32 values, not a whole number of {rows}-row epochs")
    orders = torch.from_numpy(flat.astype(np.int64).reshape(-1, rows))
    for epoch, order in enumerate(orders):
        if not torch.equal(torch.sort(order).values, torch.arange(rows)):
            raise ValueError(f"{path}: epoch {epoch + 1} is not a permutation of the {rows} rows")
    return orders


def replay_runs(dense_weights, train_x, train_y, test_x, test_y, sparsities, orders, ours_pattern):
    """
    Fine-tunes on our batch order at each sparsity and compares weights and predictions with our fine-tuned file.
    As a yardstick for arithmetic noise it also fine-tunes a second torch copy whose starting weights are each moved
    by one float32 ulp, and compares the two torch runs the same way.
    """
    nudged_weights = {name: np.nextafter(w, np.float32(np.inf), dtype=np.float32) if w.dtype == np.float32 else w
                      for name, w in dense_weights.items()}
    runs = []
    for s in sparsities:
        model = tuned(dense_weights, s, train_x, train_y, orders)
        run = {"sparsity": s, "accuracy": accuracy(model, test_x, test_y), "seconds": model.seconds}
        ours_weights = initializers(ours_pattern.replace("{percent}", f"{s * 100:g}"))
        ours = lenet(ours_weights)
        run.update(ours_accuracy=accuracy(ours, test_x, test_y), **compare(model, ours, test_x, "ours"))
        control = tuned(nudged_weights, s, train_x, train_y, orders)
        run.update(control_accuracy=accuracy(control, test_x, test_y), **compare(model, control, test_x, "control"))
        run.update(**compare(control, ours, test_x, "ours_control"))
        run["largest_weight"] = max(float(np.abs(v).max()) for v in ours_weights.values())
        runs.append(run)
        log(f"replay {s:.0%}: torch {run['accuracy']:.4f}, ours {run['ours_accuracy']:.4f} (max |dw| {run['ours_max_abs_weight_difference']:.3g}, "
            f"predictions agree {run['ours_prediction_agreement']:.4%}); torch nudged by 1 ulp {run['control_accuracy']:.4f} "
            f"(max |dw| {run['control_max_abs_weight_difference']:.3g}, predictions agree {run['control_prediction_agreement']:.4%})")
    return runs


def tuned(weights, sparsity, train_x, train_y, orders):
    """A pruned (global L1) copy of the weights, fine-tuned on the given row orders; its wall time in .seconds."""
    model = pruned(weights, sparsity)
    model.seconds = fine_tune(model, train_x, train_y, orders.shape[0], 0, orders=orders)
    return model


def compare(a, b, test_x, prefix):
    """Largest and mean |difference| over all weights and biases, and the share of test images with the same predicted class."""
    differences = np.concatenate([(p.detach() - q.detach()).abs().numpy().ravel()
                                  for ma, mb in zip(linears(a), linears(b)) for p, q in ((ma.weight, mb.weight), (ma.bias, mb.bias))])
    with torch.no_grad():
        a.eval()
        b.eval()
        agree = (a(test_x).argmax(dim=1) == b(test_x).argmax(dim=1)).double().mean().item()
    return {f"{prefix}_max_abs_weight_difference": float(differences.max()),
            f"{prefix}_mean_abs_weight_difference": float(differences.mean()),
            f"{prefix}_prediction_agreement": agree}


CALIBRATION_BATCH = 128
REMOVED_UNIT_BIAS = ("kept and trained by the fine-tune: a removed unit outputs the constant ReLU(bias) into the next "
                     "layer, whose column for it is not pruned")


def taylor_scores(weights, x, batch=CALIBRATION_BATCH):
    """Sum over batches of |w * dL/dw| per weight of fc1/fc2/fc3 (L = mean cross-entropy of the batch), dense model in eval mode."""
    model = lenet(weights)
    model.eval()
    scores = [torch.zeros_like(m.weight) for m in linears(model)]
    images, labels = x
    for i in range(0, images.shape[0], batch):
        model.zero_grad()
        F.cross_entropy(model(images[i:i + batch]), labels[i:i + batch]).backward()
        with torch.no_grad():
            for score, m in zip(scores, linears(model)):
                score += (m.weight * m.weight.grad).abs()
    return scores


def unstructured(weights, method, scope, sparsity, seed, calibration):
    """lenet(weights) with a share `sparsity` of its weights pruned by the method, globally or per layer."""
    model = lenet(weights)
    modules = linears(model)
    scores = taylor_scores(weights, calibration) if method == "taylor" else None
    if method == "random":
        torch.manual_seed(seed)
    if scope == "global":
        pruning_method = prune.RandomUnstructured if method == "random" else prune.L1Unstructured
        importance = None if scores is None else {(m, "weight"): score for m, score in zip(modules, scores)}
        prune.global_unstructured([(m, "weight") for m in modules], pruning_method=pruning_method, amount=sparsity,
                                  importance_scores=importance)
    else:
        for k, m in enumerate(modules):
            if method == "random":
                prune.random_unstructured(m, "weight", amount=sparsity)
            else:
                prune.l1_unstructured(m, "weight", amount=sparsity, importance_scores=None if scores is None else scores[k])
    return model


def neurons(weights, method, fraction, seed):
    """lenet(weights) with a fraction of the output rows of fc1.weight and of fc2.weight pruned (fc3 untouched)."""
    model = lenet(weights)
    if method == "random":
        torch.manual_seed(seed)
    for m in linears(model)[:2]:
        if method == "random":
            prune.random_structured(m, "weight", amount=fraction, dim=0)
        else:
            prune.ln_structured(m, "weight", amount=fraction, n=2, dim=0)
    return model


def removed_units(linear):
    return int((linear.weight_mask.sum(dim=1) == 0).sum())


def criteria_runs(dense_weights, train_x, train_y, test_x, test_y, calibration, sparsities, fraction, epochs, seed):
    """The pruning-criteria comparison (module docstring, CRITERIA): the fields of the JSON besides the settings."""
    result = {"dense": accuracy(lenet(dense_weights), test_x, test_y)}
    reference = lenet(dense_weights)
    result["dense_tune_seconds"] = fine_tune(reference, train_x, train_y, epochs, seed)
    result["dense_tuned"] = accuracy(reference, test_x, test_y)
    log(f"dense {result['dense']:.4f}, + {epochs} epochs {result['dense_tuned']:.4f}")

    def measure(entry, prune_once):
        start = time.perf_counter()
        model = prune_once()
        entry["prune_seconds"] = time.perf_counter() - start
        entry["actual_sparsity"] = sparsity_of(model)
        entry["one_shot"] = accuracy(model, test_x, test_y)
        entry["tune_seconds"] = fine_tune(model, train_x, train_y, epochs, seed)
        entry["tuned"] = accuracy(model, test_x, test_y)
        entry["tuned_sparsity"] = sparsity_of(model)
        return model

    result["unstructured"] = []
    for s in sparsities:
        for scope in ("global", "layer"):
            for method in ("l1", "random", "taylor"):
                entry = {"method": method, "scope": scope, "sparsity": s}
                measure(entry, lambda: unstructured(dense_weights, method, scope, s, seed, calibration))
                result["unstructured"].append(entry)
                log(f"{s:.0%} {scope} {method}: one-shot {entry['one_shot']:.4f}, + {epochs} epochs {entry['tuned']:.4f} "
                    f"(sparsity {entry['actual_sparsity']:.4f}, prune {entry['prune_seconds']:.2f} s, tune {entry['tune_seconds']:.1f} s)")

    result["neurons"] = []
    for method in ("random", "l2"):
        entry = {"method": method, "fraction": fraction}
        model = measure(entry, lambda: neurons(dense_weights, method, fraction, seed))
        fc1, fc2 = linears(model)[:2]
        entry.update(removed_fc1=removed_units(fc1), removed_fc2=removed_units(fc2), removed_unit_bias=REMOVED_UNIT_BIAS)
        result["neurons"].append(entry)
        log(f"neurons {method} {fraction:.0%} (fc1 -{entry['removed_fc1']}, fc2 -{entry['removed_fc2']}): one-shot {entry['one_shot']:.4f}, "
            f"+ {epochs} epochs {entry['tuned']:.4f}")
    return result


def write_json(result, path):
    with open(path, "w") as f:
        json.dump(result, f, indent=2)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="dense LeNet-300-100 ONNX file exported by Pruning.Benchmarks")
    parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--sparsities", default="0.5,0.8,0.9,0.95")
    parser.add_argument("--epochs", type=int, default=2, help="fine-tuning epochs")
    parser.add_argument("--ours", help="our one-shot files, '{percent}' replaced by e.g. 90, to compare masks")
    parser.add_argument("--check", help="a compact ONNX file for onnx.checker")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--seeds", help="comma-separated seeds: only the fine-tuning, once per seed and sparsity (0 = dense)")
    parser.add_argument("--orders", help="our loop's row orders (int32, epochs x rows): only replay them, at --sparsities")
    parser.add_argument("--ours-tuned", help="with --orders: our fine-tuned files, '{percent}' replaced by e.g. 90")
    parser.add_argument("--criteria", action="store_true",
                        help="compare pruning criteria (l1/random/taylor, global/layer; neuron removal): see CRITERIA above")
    parser.add_argument("--calibration-rows", type=int,
                        help="with --criteria: first training rows for the taylor importance (default 1024)")
    parser.add_argument("--neuron-fraction", type=float,
                        help="with --criteria: share of the hidden units of fc1 and of fc2 to remove (default 0.5)")
    parser.add_argument("--limit-train", type=int,
                        help="fine-tune on only the first N training rows (smoke runs; with --criteria, or the default mode); default all")
    parser.add_argument("--json", required=True, help="where to write the results")
    args = parser.parse_args()
    if args.criteria and (args.seeds or args.orders or args.ours or args.ours_tuned or args.check):
        parser.error("--criteria goes with none of --seeds, --orders, --ours, --ours-tuned, --check")
    if not args.criteria and (args.calibration_rows, args.neuron_fraction) != (None, None):
        parser.error("--calibration-rows and --neuron-fraction belong to --criteria")
    if args.limit_train is not None and (args.seeds or args.orders):
        parser.error("--limit-train goes with --criteria or the default mode")
    if args.criteria:
        args.calibration_rows = 1024 if args.calibration_rows is None else args.calibration_rows
        args.neuron_fraction = 0.5 if args.neuron_fraction is None else args.neuron_fraction

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    train_x, train_y = read_idx(args.data, "train")
    test_x, test_y = read_idx(args.data, "t10k")
    dense_weights = initializers(args.model)

    result = {
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "onnx": onnx.__version__, "numpy": np.__version__},
        "threads": torch.get_num_threads(),
    }
    if args.criteria:
        if args.calibration_rows < 1 or args.calibration_rows > train_x.shape[0]:
            parser.error(f"--calibration-rows must be within 1..{train_x.shape[0]}")
        if not 0 < args.neuron_fraction < 1:
            parser.error("--neuron-fraction must be within (0, 1)")
        calibration = (train_x[:args.calibration_rows], train_y[:args.calibration_rows])
        if args.limit_train is not None:
            if args.limit_train < 1:
                parser.error("--limit-train must be at least 1")
            train_x, train_y = train_x[:args.limit_train], train_y[:args.limit_train]
        sparsities = [float(v) for v in args.sparsities.split(",")]
        criteria = {"mode": "criteria", "model": args.model, "data": args.data}
        criteria.update(criteria_runs(dense_weights, train_x, train_y, test_x, test_y, calibration, sparsities,
                                      args.neuron_fraction, args.epochs, args.seed))
        criteria.update(sparsities=sparsities, neuron_fraction=args.neuron_fraction, epochs=args.epochs, seed=args.seed,
                        calibration_rows=args.calibration_rows, calibration_batch=CALIBRATION_BATCH,
                        train_rows=train_x.shape[0], test_rows=test_x.shape[0], threads=torch.get_num_threads(),
                        torch=torch.__version__, onnx=onnx.__version__, numpy=np.__version__, python=platform.python_version())
        write_json(criteria, args.json)
        return
    if args.orders:
        if not args.ours_tuned:
            parser.error("--orders needs --ours-tuned")
        orders = read_orders(args.orders, train_x.shape[0])
        sparsities = [float(v) for v in args.sparsities.split(",")]
        result["replay_runs"] = replay_runs(dense_weights, train_x, train_y, test_x, test_y, sparsities, orders, args.ours_tuned)
        write_json(result, args.json)
        return
    if args.seeds:
        seeds = [int(v) for v in args.seeds.split(",")]
        sparsities = [float(v) for v in args.sparsities.split(",")]
        result["seed_runs"] = seed_runs(dense_weights, train_x, train_y, test_x, test_y, sparsities, seeds, args.epochs)
        write_json(result, args.json)
        return
    if args.limit_train is not None:
        if args.limit_train < 1:
            parser.error("--limit-train must be at least 1")
        train_x, train_y = train_x[:args.limit_train], train_y[:args.limit_train]
        result["train_rows"] = train_x.shape[0]
    dense = lenet(dense_weights)
    result["dense"] = {"accuracy": accuracy(dense, test_x, test_y)}
    log(f"dense: {result['dense']['accuracy']:.4f}")

    tuned = lenet(dense_weights)
    seconds = fine_tune(tuned, train_x, train_y, args.epochs, args.seed)
    result["dense_fine_tuned"] = {"accuracy": accuracy(tuned, test_x, test_y), "seconds": seconds}
    log(f"dense + {args.epochs} epochs: {result['dense_fine_tuned']['accuracy']:.4f} in {seconds:.1f} s")

    result["sparsities"] = []
    for s in (float(v) for v in args.sparsities.split(",")):
        model = lenet(dense_weights)
        parameters = [(m, "weight") for m in linears(model)]
        prune.global_unstructured(parameters, pruning_method=prune.L1Unstructured, amount=s)
        entry = {"sparsity": s, "one_shot": accuracy(model, test_x, test_y), "one_shot_sparsity": sparsity_of(model)}

        if args.ours:
            path = args.ours.replace("{percent}", f"{s * 100:g}")
            if os.path.exists(path):
                ours = initializers(path)
                agree = total = 0
                for name, m in zip(LAYERS, linears(model)):
                    kept_by_torch = m.weight_mask.numpy() != 0
                    kept_by_us = ours[f"{name}.weight"] != 0
                    agree += int((kept_by_torch == kept_by_us).sum())
                    total += kept_by_torch.size
                entry["mask_agreement"] = agree / total

        entry["fine_tune_seconds"] = fine_tune(model, train_x, train_y, args.epochs, args.seed)
        entry["fine_tuned"] = accuracy(model, test_x, test_y)
        entry["fine_tuned_sparsity"] = sparsity_of(model)
        result["sparsities"].append(entry)
        log(f"{s:.0%}: one-shot {entry['one_shot']:.4f}, + {args.epochs} epochs {entry['fine_tuned']:.4f} "
            f"(sparsity {entry['fine_tuned_sparsity']:.4f}, masks agree {entry.get('mask_agreement', float('nan')):.6f})")

    if args.check:
        result["check"] = check(args.check)
        log(f"onnx.checker on {args.check}: {result['check']}")

    write_json(result, args.json)


if __name__ == "__main__":
    main()
