#!/usr/bin/env python3
"""scikit-learn's Lasso on the problems the lasso-solver benchmark writes as .npy files.

The problem per column y_k of Y is min_b 1/2 ||y_k - X b||^2 + lam ||b||_1, which is sklearn's Lasso with
alpha = lam / n_samples (sklearn scales the squared loss by 1 / (2 n_samples)) and fit_intercept=False. sklearn stops
when its duality gap is at most tol * ||y_k||^2 (in the unscaled objective), the rule of our Tolerance.

Configurations (each timed --repeats times; coefficients of the last repeat written as <out>/<name>.npy, targets x features):
  precompute-true      Lasso(precompute=True).fit(X, Y): G = X'X computed inside fit, once for all targets.
  precompute-gram      Lasso(precompute=G).fit(X, Y) with G computed once beforehand (its time reported apart).
  precompute-gram-2t   the same with the targets split in two halves fitted on two threads (the coordinate descent
                       loop releases the GIL), so that sklearn uses both cores for the solve, not only for BLAS.

Prints progress to stdout and writes JSON to --json.
"""
import argparse
import json
import os
import sys


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--x", required=True, help="X, n_samples x n_features float64 .npy")
    parser.add_argument("--y", required=True, help="Y, n_samples x n_targets float64 .npy")
    parser.add_argument("--lam", type=float, required=True, help="lambda of the unscaled objective")
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=10000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", required=True, help="folder for the coefficient files")
    parser.add_argument("--json", required=True)
    args = parser.parse_args()

    # Before numpy loads its BLAS: every thread pool at --threads.
    for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[name] = str(args.threads)

    import time
    import warnings
    from concurrent.futures import ThreadPoolExecutor

    import numpy as np
    import sklearn
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import Lasso

    X = np.load(args.x)
    Y = np.load(args.y)
    if X.dtype != np.float64 or Y.dtype != np.float64 or X.ndim != 2 or Y.ndim != 2 or X.shape[0] != Y.shape[0]:
        sys.exit(f"X {X.shape} {X.dtype} and Y {Y.shape} {Y.dtype} must be float64 matrices with the same rows.")
    n_samples = X.shape[0]
    alpha = args.lam / n_samples
    os.makedirs(args.out, exist_ok=True)

    def lasso(precompute):
        return Lasso(alpha=alpha, fit_intercept=False, precompute=precompute, tol=args.tol,
                     max_iter=args.max_iter, selection="cyclic", copy_X=True)

    def fit_all(precompute):
        model = lasso(precompute).fit(X, Y)
        return np.atleast_2d(model.coef_), np.atleast_1d(model.n_iter_)

    def fit_halves(gram):
        halves = np.array_split(np.arange(Y.shape[1]), 2)
        with ThreadPoolExecutor(max_workers=2) as pool:
            parts = list(pool.map(lambda cols: fit_columns(gram, cols), [h for h in halves if len(h) > 0]))
        return np.vstack([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def fit_columns(gram, cols):
        model = lasso(gram).fit(X, np.ascontiguousarray(Y[:, cols]))
        return np.atleast_2d(model.coef_), np.atleast_1d(model.n_iter_)

    gram_seconds = []
    gram = None
    for _ in range(args.repeats):
        start = time.perf_counter()
        gram = np.dot(X.T, X)
        gram_seconds.append(time.perf_counter() - start)
    print(f"numpy X'X {X.shape[1]}x{X.shape[1]}: {sorted(gram_seconds)[len(gram_seconds) // 2]:.3f} s (median of {args.repeats})", flush=True)

    configurations = [
        ("precompute-true", True, lambda: fit_all(True)),
        ("precompute-gram", False, lambda: fit_all(gram)),
        ("precompute-gram-2t", False, lambda: fit_halves(gram)),
    ]
    results = []
    for name, gram_inside, run in configurations:
        seconds = []
        unconverged = 0
        for _ in range(args.repeats):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ConvergenceWarning)
                start = time.perf_counter()
                coef, n_iter = run()
                seconds.append(time.perf_counter() - start)
            unconverged = sum(1 for w in caught if issubclass(w.category, ConvergenceWarning))
        path = os.path.join(args.out, f"{name}.npy")
        np.save(path, np.ascontiguousarray(coef, dtype=np.float64))
        print(f"{name}: {sorted(seconds)[len(seconds) // 2]:.3f} s (median of {args.repeats}), "
              f"max n_iter {int(n_iter.max())}, {unconverged} convergence warnings", flush=True)
        results.append({"name": name, "gram_inside": gram_inside, "seconds": seconds, "coef": path,
                        "max_iterations": int(n_iter.max()), "convergence_warnings": unconverged})

    report = {
        "versions": {"python": sys.version.split()[0], "sklearn": sklearn.__version__, "numpy": np.__version__},
        "threads": args.threads,
        "alpha": alpha,
        "gram_seconds": gram_seconds,
        "configurations": results,
    }
    with open(args.json, "w") as f:
        json.dump(report, f, indent=1)


if __name__ == "__main__":
    main()
