#!/usr/bin/env python3
"""The simplest reconstruction peer of the coordinate-descent benchmark: magnitude's support, ridge refit.

For each sparsity: one global magnitude threshold over the pruned layers' weights (every Gemm but the last, which is
kept dense) chooses the support; then, layer by layer in graph order, each output row's kept weights are refit by
ridge least squares so that the layer's pre-activation on the calibration rows matches the dense model's:
  min_w ||X_p[:, S] w - (X_d W_d^T)[:, row]||^2 + delta ||w||^2,  delta = ridge * mean(diag(X_p^T X_p)),
X_p the layer's input in the already-refit model, X_d in the dense one (biases kept as they are). Test accuracy is
computed in numpy on the same ONNX weights (a chain of Gemm and Relu nodes, as SparseMlp exports LeNet-300-100).

Reads Fashion-MNIST's IDX files itself (pixels / 255, the first --calibration-rows training images in file order).
Prints progress to stdout and writes JSON to --json.
"""
import argparse
import gzip
import json
import os
import sys
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="the dense ONNX model")
    parser.add_argument("--data", required=True, help="folder with Fashion-MNIST's IDX .gz files")
    parser.add_argument("--sparsities", required=True, help="comma-separated fractions")
    parser.add_argument("--calibration-rows", type=int, default=1024)
    parser.add_argument("--ridge", type=float, default=1e-3, help="delta as a fraction of the mean diagonal of X'X")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[name] = str(args.threads)
    import numpy as np
    import onnx
    from onnx import numpy_helper

    def idx(split, kind):
        with gzip.open(os.path.join(args.data, f"{split}-{kind}-idx{3 if kind == 'images' else 1}-ubyte.gz")) as f:
            raw = f.read()
        return np.frombuffer(raw, np.uint8, offset=16 if kind == "images" else 8)

    calibration = idx("train", "images").reshape(-1, 784)[: args.calibration_rows].astype(np.float64) / 255
    test_x = idx("t10k", "images").reshape(-1, 784).astype(np.float64) / 255
    test_y = idx("t10k", "labels").astype(np.int64)

    model = onnx.load(args.model)
    weights = {i.name: numpy_helper.to_array(i).astype(np.float64) for i in model.graph.initializer}
    layers = []  # (weight name, W out x in, b, relu after)
    for node in model.graph.node:
        if node.op_type == "Gemm":
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}
            if attrs.get("transA", 0) or attrs.get("alpha", 1.0) != 1.0 or attrs.get("beta", 1.0) != 1.0:
                sys.exit(f"Gemm '{node.name}': only transA = 0, alpha = beta = 1 are supported")
            w = weights[node.input[1]]
            layers.append([node.input[1], w if attrs.get("transB", 0) else w.T, weights[node.input[2]], False])
        elif node.op_type == "Relu":
            layers[-1][3] = True
    if not layers:
        sys.exit("no Gemm layers in the model")

    def forward(ws, x):
        for (_, _, b, relu), w in zip(layers, ws):
            x = x @ w.T + b
            if relu:
                x = np.maximum(x, 0)
        return x

    def accuracy(ws):
        return float((forward(ws, test_x).argmax(axis=1) == test_y).mean())

    dense = [l[1] for l in layers]
    pruned_names = [l[0] for l in layers[:-1]]
    results = []
    for sparsity in (float(s) for s in args.sparsities.split(",")):
        start = time.perf_counter()
        magnitudes = np.concatenate([np.abs(w).ravel() for w in dense[:-1]])
        k = int(round(sparsity * magnitudes.size))
        threshold = np.partition(magnitudes, k - 1)[k - 1] if k > 0 else -1.0
        # Ties at the threshold: keep exactly size - k weights, ties broken by flat index.
        order = np.argsort(magnitudes, kind="stable")
        keep_flat = np.ones(magnitudes.size, bool)
        keep_flat[order[:k]] = False
        masks, offset = [], 0
        for w in dense[:-1]:
            masks.append(keep_flat[offset: offset + w.size].reshape(w.shape))
            offset += w.size
        magnitude_only = [w * m for w, m in zip(dense[:-1], masks)] + [dense[-1]]

        refit = []
        x_dense, x_pruned = calibration, calibration
        errors = []
        for (name, w, b, relu), mask in zip(layers[:-1], masks):
            target = x_dense @ w.T
            gram = x_pruned.T @ x_pruned
            rhs = x_pruned.T @ target
            delta = args.ridge * float(np.mean(np.diag(gram)))
            new = np.zeros_like(w)
            for row in range(w.shape[0]):
                support = np.flatnonzero(mask[row])
                if support.size == 0:
                    continue
                g = gram[np.ix_(support, support)] + delta * np.eye(support.size)
                new[row, support] = np.linalg.solve(g, rhs[support, row])
            errors.append({"name": name, "relative_error": float(np.linalg.norm(x_pruned @ new.T - target) / np.linalg.norm(target))})
            refit.append(new)
            x_dense = x_dense @ w.T + b
            x_pruned = x_pruned @ new.T + b
            if relu:
                x_dense, x_pruned = np.maximum(x_dense, 0), np.maximum(x_pruned, 0)
        refit.append(dense[-1])
        seconds = time.perf_counter() - start
        result = {"sparsity": sparsity, "magnitude_global": accuracy(magnitude_only), "ridge_refit": accuracy(refit),
                  "prune_seconds": seconds, "reconstruction": errors,
                  "layer_sparsity": {n: float(1 - m.mean()) for n, m in zip(pruned_names, masks)}}
        print(f"{sparsity:.0%}: magnitude (global, {'+'.join(pruned_names)}) {result['magnitude_global']:.2%}, "
              f"+ ridge refit {result['ridge_refit']:.2%} ({seconds:.2f} s)", flush=True)
        results.append(result)

    json.dump({"dense": accuracy(dense), "pruned_layers": pruned_names, "dense_layer": layers[-1][0],
               "ridge": args.ridge, "calibration_rows": int(calibration.shape[0]), "results": results,
               "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "onnx": onnx.__version__}},
              open(args.json, "w"), indent=1)


if __name__ == "__main__":
    main()
