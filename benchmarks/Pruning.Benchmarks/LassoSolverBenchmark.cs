using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// lasso-solver: the Gram-form coordinate-descent Lasso (LayerLassoSolver) against scikit-learn's Lasso on identical
/// inputs (.npy): the reconstruction problems of LeNet-300-100's first layer and a synthetic correlated problem.
/// Per row, min_ŵ ½‖X(w − ŵ)‖² + λ‖ŵ‖₁ = sklearn's Lasso on (X, y = Xw) with alpha = λ / rows and no intercept.
/// </summary>
internal static class LassoSolverBenchmark
{
    /// <summary>One problem: X (samples × features, floats), the weight rows W (targets × features) whose Xw are the targets.</summary>
    private sealed record Problem(string Name, string Description, float[] X, int Samples, int Features, float[] W, int Targets);

    /// <summary>A solver configuration's median time, objectives and non-zeros per row.</summary>
    private sealed record Measured(string Name, bool GramInside, double Seconds, double[] Objectives, long NonZeros, double MaxRelativeGap, string Iterations);

    public static string Run(BenchmarkArguments args)
    {
        int calibrationRows = args.Int("calibration-rows", 1024);
        int outputs = args.Int("outputs", 300);
        int epochs = args.Int("epochs", 10, min: 0);
        int samples = args.Int("samples", 5000);
        int features = args.Int("features", 2000);
        int targets = args.Int("targets", 20);
        double correlation = args.Fractions("correlation", [0.5]).Single();
        double density = args.Fractions("density", [0.25]).Single();
        int repeats = args.Int("repeats", 3);
        int threads = args.Int("solver-threads", 2);
        double tolerance = double.Parse(args.String("tolerance", "1e-6"), System.Globalization.CultureInfo.InvariantCulture);
        int seed = args.Int("seed", 1, min: 0);
        string[] problems = args.String("problems", "lenet,synthetic").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "lasso-solver")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript("lasso_peer.py"));
        args.ThrowIfUnknown();
        if (!(tolerance > 0)) throw new ArgumentException($"--tolerance must be > 0; got {tolerance}.");
        foreach (string p in problems)
            if (p is not ("lenet" or "synthetic")) throw new ArgumentException($"--problems takes lenet and/or synthetic; got '{p}'.");
        Directory.CreateDirectory(output);

        var sections = new List<string>();
        string? peerVersions = null;
        foreach (string name in problems)
        {
            Problem problem = name == "lenet"
                ? LeNetProblem(data, calibrationRows, outputs, epochs, seed, output)
                : SyntheticProblem(samples, features, targets, correlation, seed);
            var (section, versions) = Compare(problem, density, tolerance, repeats, threads, Path.Combine(output, name), python, peer);
            sections.Add(section);
            peerVersions = versions;
        }

        var text = new StringBuilder();
        text.AppendLine("## lasso-solver: the Gram-form coordinate-descent Lasso vs scikit-learn's Lasso");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, peerVersions));
        text.AppendLine();
        text.AppendLine($"Per target row, min ½‖X(w − ŵ)‖² + λ‖ŵ‖₁, i.e. sklearn's `Lasso(alpha = λ / samples, fit_intercept=False)` on (X, y = Xw), " +
            $"same λ on both sides (ours found by our own λ search for ≈ {density:P0} non-zeros, untimed), both stopping at duality gap ≤ {Scientific(tolerance)}·‖y‖². " +
            $"X and Y go to sklearn as float64 .npy files (X's values are floats, exact in float64). Ours: `LayerLassoSolver.Solve` at the fixed λ " +
            $"(warm starts along its λ path from λ_max, working sets, gap-safe screening), {threads} threads over rows; sklearn with " +
            $"OMP/OpenBLAS/MKL threads = 2. Objectives of every solution are evaluated by the same code (ours: Gram form, ½(w−ŵ)ᵀG(w−ŵ) + λ‖ŵ‖₁ in doubles); " +
            $"the relative difference is (ours − best sklearn) / best sklearn per row. Times are medians of {repeats} runs. " +
            "*Gram inside* says whether G = XᵀX is computed inside the timed call; the speed-up compares ours with the same Gram treatment " +
            "(ours Gram + solve vs precompute=True, ours solve alone vs the configurations given G).");
        foreach (string section in sections)
        {
            text.AppendLine();
            text.Append(section);
        }
        return text.ToString();
    }

    /// <summary>LeNet-300-100's first layer: the first calibration rows of the Fashion-MNIST training images and fc1's weight.</summary>
    private static Problem LeNetProblem(string data, int calibrationRows, int outputs, int epochs, int seed, string output)
    {
        var images = FashionMnist.Read(data, "train");
        if (calibrationRows > images.Length) throw new ArgumentException($"--calibration-rows {calibrationRows} exceeds the {images.Length} training images.");
        int n = FashionMnist.Pixels;
        var x = new float[(long)calibrationRows * n];
        for (int r = 0; r < calibrationRows; r++) images[r].Features.CopyTo(x, (long)r * n);

        float[] w;
        string weightSource;
        if (epochs > 0)
        {
            var ml = new MLContext(seed: LeNetSetup.DenseSeed);
            var (train, test) = FashionMnist.Load(ml, data);
            var (accuracy, model, seconds) = LeNetSetup.TrainDense(ml, train, test, epochs, Path.Combine(output, "dense.onnx"));
            Format.Progress($"Dense LeNet-300-100: {epochs} epochs in {seconds:F1} s, accuracy {accuracy:P2}.");
            float[] fc1 = OnnxTensor.ToFloatArray(model.GetInitializer("fc1.weight"));
            if (fc1.Length != 300 * n) throw new InvalidDataException($"fc1.weight has {fc1.Length} values; LeNet-300-100's has 300 × {n}.");
            if (outputs > 300) throw new ArgumentException($"--outputs {outputs} exceeds fc1's 300 rows.");
            w = fc1[..(outputs * n)];
            weightSource = $"fc1.weight of the dense network trained as the lenet benchmark trains it (SparseMlp, {epochs} epochs, seed {LeNetSetup.DenseSeed}, test accuracy {accuracy:P2})";
        }
        else
        {
            // PyTorch's default Linear initialisation, U(−1/√n, 1/√n), seeded: a stand-in when training is skipped.
            var random = new Random(seed);
            double bound = 1 / Math.Sqrt(n);
            w = new float[outputs * n];
            for (int i = 0; i < w.Length; i++) w[i] = (float)((2 * random.NextDouble() - 1) * bound);
            weightSource = $"a fixed seeded weight (U(−1/√784, 1/√784), seed {seed}; --epochs 0, no training)";
        }
        return new Problem("lenet", $"LeNet-300-100 fc1: X = the first {calibrationRows:N0} Fashion-MNIST training images × {n} pixels in [0, 1], W = {outputs} rows of {weightSource}",
            x, calibrationRows, n, w, outputs);
    }

    /// <summary>Seeded Gaussian X whose columns are an AR(1) sequence (corr(x_j, x_k) = ρ^|j−k|), and dense Gaussian weight rows.</summary>
    private static Problem SyntheticProblem(int samples, int features, int targets, double correlation, int seed)
    {
        var random = new Random(seed);
        double Gaussian() => Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
        var x = new float[(long)samples * features];
        double innovation = Math.Sqrt(1 - correlation * correlation);
        for (int r = 0; r < samples; r++)
        {
            double previous = Gaussian();
            for (int j = 0; j < features; j++)
            {
                double value = j == 0 ? previous : correlation * previous + innovation * Gaussian();
                x[(long)r * features + j] = (float)value;
                previous = value;
            }
        }
        var w = new float[targets * features];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(Gaussian() / Math.Sqrt(features));
        return new Problem("synthetic", $"synthetic: X = {samples:N0} × {features:N0} seeded Gaussian, columns AR(1) with ρ = {correlation} (seed {seed}); " +
            $"W = {targets} dense Gaussian rows (N(0, 1/{features}))", x, samples, features, w, targets);
    }

    private static (string Section, string PeerVersions) Compare(Problem p, double density, double tolerance, int repeats, int threads, string folder, string python, string peer)
    {
        Directory.CreateDirectory(folder);
        int n = p.Features;
        Format.Progress($"{p.Name}: {p.Samples} × {n}, {p.Targets} targets.");

        // λ: our λ search for ≈ density non-zeros over the whole problem (untimed; its warm states are not reused).
        GramMatrix gram = GramMatrix.FromCalibrationRows(p.X, p.Samples, n, threads);
        var searchOptions = new LassoSolverOptions { Tolerance = tolerance, MaxDegreeOfParallelism = threads, BisectionSteps = 12, RankDeficientDamping = 0 };
        long wanted = (long)Math.Round(density * p.Targets * n);
        double lambda = LayerLassoSolver.Solve(gram, p.W, p.Targets, SparsityTarget.PerLayer(wanted), searchOptions).LayerLambda
            ?? throw new InvalidOperationException("The per-layer λ search returned no λ.");
        Format.Progress($"{p.Name}: λ = {lambda:G6} for ≈ {density:P0} non-zeros.");

        // Ours: the Gram matrix and the solve, each timed separately.
        var options = new LassoSolverOptions { Tolerance = tolerance, MaxDegreeOfParallelism = threads, RankDeficientDamping = 0 };
        var gramSeconds = new List<double>();
        var solveSeconds = new List<double>();
        LayerLassoSolution? solution = null;
        for (int r = 0; r < repeats; r++)
        {
            var watch = Stopwatch.StartNew();
            gram = GramMatrix.FromCalibrationRows(p.X, p.Samples, n, threads);
            gramSeconds.Add(watch.Elapsed.TotalSeconds);
            watch.Restart();
            solution = LayerLassoSolver.Solve(gram, p.W, p.Targets, SparsityTarget.FixedLambda(lambda), options);
            solveSeconds.Add(watch.Elapsed.TotalSeconds);
            Format.Progress($"{p.Name} ours: Gram {gramSeconds[^1]:F3} s, solve {solveSeconds[^1]:F3} s.");
        }
        if (solution!.Damping != 0) throw new InvalidOperationException($"The solve was damped ({solution.Damping}); the problems would differ.");
        double[] ourObjectives = solution.RowResults.Select(r => r.Objective).ToArray();
        double ourGap = solution.RowResults.Max(r => r.RelativeGap);
        string ourIterations = $"{solution.RowResults.Max(r => r.TotalEpochs)} passes (path)";
        int unconverged = solution.RowResults.Count(r => !r.Converged);
        if (unconverged > 0) Format.Progress($"{p.Name} ours: {unconverged} rows did not reach the tolerance.");

        // The inputs sklearn reads: X and Y = X Wᵀ in float64.
        var x64 = Array.ConvertAll(p.X, v => (double)v);
        var y = new double[(long)p.Samples * p.Targets];
        for (int r = 0; r < p.Samples; r++)
            for (int t = 0; t < p.Targets; t++)
            {
                double sum = 0;
                for (int j = 0; j < n; j++) sum += x64[(long)r * n + j] * p.W[t * n + j];
                y[(long)r * p.Targets + t] = sum;
            }
        string xPath = Path.Combine(folder, "x.npy"), yPath = Path.Combine(folder, "y.npy");
        NumpyFile.Write(xPath, x64, p.Samples, n);
        NumpyFile.Write(yPath, y, p.Samples, p.Targets);
        using var json = PythonPeer.Run(python, peer,
            ["--x", xPath, "--y", yPath, "--lam", lambda.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
             "--tol", tolerance.ToString("R", System.Globalization.CultureInfo.InvariantCulture), "--repeats", repeats.ToString(System.Globalization.CultureInfo.InvariantCulture),
             "--threads", "2", "--out", Path.Combine(folder, "sklearn")],
            Path.Combine(folder, "sklearn.json"));
        var root = json.RootElement;
        var versions = root.GetProperty("versions");
        string peerVersions = $"python {versions.GetProperty("python").GetString()}: scikit-learn {versions.GetProperty("sklearn").GetString()}, numpy {versions.GetProperty("numpy").GetString()}";
        double numpyGram = Median(root.GetProperty("gram_seconds").EnumerateArray().Select(e => e.GetDouble()));

        var measured = new List<Measured>
        {
            new("ours, Gram + solve", true, Median(gramSeconds.Zip(solveSeconds, (a, b) => a + b)), ourObjectives, solution.NonZeros, ourGap, ourIterations),
            new("ours, solve (G given)", false, Median(solveSeconds), ourObjectives, solution.NonZeros, ourGap, ourIterations),
        };
        foreach (var config in root.GetProperty("configurations").EnumerateArray())
        {
            double[] coef = NumpyFile.Read(config.GetProperty("coef").GetString()!, out int rows, out int columns);
            if (rows != p.Targets || columns != n) throw new InvalidDataException($"sklearn's coefficients are {rows} × {columns}; expected {p.Targets} × {n}.");
            var objectives = new double[rows];
            double maxGap = 0;
            long nonZeros = 0;
            for (int t = 0; t < rows; t++)
            {
                // Evaluated exactly as ours: the Gram-form state of row t with sklearn's coefficients set.
                var state = LassoRowState.ForWeights(gram, p.W.AsSpan(t * n, n));
                state.SetBeta(coef.AsSpan(t * n, n));
                double gap = CoordinateDescentLasso.DualityGap(state, lambda, out objectives[t]);
                maxGap = Math.Max(maxGap, state.TargetSquaredNorm > 0 ? gap / state.TargetSquaredNorm : 0);
                nonZeros += state.NonZeros();
            }
            int warnings = config.GetProperty("convergence_warnings").GetInt32();
            measured.Add(new($"sklearn {config.GetProperty("name").GetString()}", config.GetProperty("gram_inside").GetBoolean(),
                Median(config.GetProperty("seconds").EnumerateArray().Select(e => e.GetDouble())), objectives, nonZeros, maxGap,
                $"{config.GetProperty("max_iterations").GetInt32()} passes{(warnings > 0 ? $", {warnings} not converged" : "")}"));
        }

        var sklearn = measured.Skip(2).ToList();
        var best = new double[p.Targets];
        for (int t = 0; t < p.Targets; t++) best[t] = sklearn.Min(m => m.Objectives[t]);
        double RelativeToBest(Measured m, Func<double, double> f) => Enumerable.Range(0, p.Targets).Max(t => f((m.Objectives[t] - best[t]) / best[t]));
        double Ours(bool gramInside) => measured[gramInside ? 0 : 1].Seconds;

        var table = new MarkdownTable("configuration", "Gram inside", "time", "speed-up of ours", "non-zeros", "max rel. gap / ‖y‖²", "max abs. Δ objective / best", "max Δ objective / best", "iterations");
        foreach (var m in measured)
        {
            bool ours = m.Name.StartsWith("ours", StringComparison.Ordinal);
            table.Add(m.Name, m.GramInside ? "yes" : "no", Format.Seconds(m.Seconds), ours ? "" : Format.Ratio(m.Seconds / Ours(m.GramInside)),
                $"{m.NonZeros:N0} ({(double)m.NonZeros / ((long)p.Targets * n):P1})", Scientific(m.MaxRelativeGap),
                Scientific(RelativeToBest(m, Math.Abs)), Scientific(RelativeToBest(m, d => d)), m.Iterations);
        }

        var fastest = sklearn.MinBy(m => m.Seconds / Ours(m.GramInside))!;
        double speedUp = fastest.Seconds / Ours(fastest.GramInside);
        double objectiveDifference = RelativeToBest(measured[0], Math.Abs);
        bool met = speedUp >= 3 && objectiveDifference <= 1e-6;

        var text = new StringBuilder();
        text.AppendLine($"### {p.Name}");
        text.AppendLine();
        text.AppendLine($"{p.Description}. λ = {lambda:G6} (sklearn alpha = {root.GetProperty("alpha").GetDouble():G6}); " +
            $"G = XᵀX: ours {Format.Seconds(Median(gramSeconds))}, numpy {Format.Seconds(numpyGram)} (medians; numpy's is outside the precompute=G timings).");
        text.AppendLine();
        text.Append(table.ToString()).AppendLine();
        text.AppendLine();
        text.AppendLine($"Against the fastest sklearn configuration ({fastest.Name}, with ours {(fastest.GramInside ? "Gram + solve" : "solve alone")}): " +
            $"{Format.Ratio(speedUp)} with objectives within {Scientific(objectiveDifference)} relative of the best sklearn objective per row. " +
            $"Target ≥ 3× at ≤ 1e-6: **{(met ? "met" : "missed")}**{(met ? "" : speedUp < 3 && objectiveDifference > 1e-6 ? " (speed and objective)" : speedUp < 3 ? " (speed)" : " (objective)")}.");
        return (text.ToString(), peerVersions);
    }

    private static string Scientific(double v) => v.ToString("0.0e+0", System.Globalization.CultureInfo.InvariantCulture);

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.OrderBy(v => v).ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
