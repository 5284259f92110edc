using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// coordinate-descent-lenet5: the lenet5 benchmark's LeNet-5 (trained and exported by PyTorch, the same cached file) pruned
/// one-shot, no fine-tuning, every Conv and Gemm weight to the sparsity (70 % by default): <c>.CoordinateDescent(...)</c>
/// sequential and parallel against magnitude with <c>Scope = Layer</c>. Test accuracy, prune time and the per-layer report rows.
/// </summary>
internal static class CoordinateDescentLeNet5Benchmark
{
    private const string Model = "lenet5";

    /// <summary>One method at one sparsity: test accuracy, zeros over the pruned weights, prune time, and the reconstruction rows.</summary>
    private sealed record Result(string Method, double Sparsity, double Accuracy, double Zeros, double PruneSeconds, IReadOnlyList<LayerReconstruction> Reconstruction);

    private static readonly (string Method, string Title)[] Methods =
        [("cd-sequential", "cd sequential"), ("cd-parallel", "cd parallel"), ("magnitude", "magnitude")];

    public static string Run(BenchmarkArguments args)
    {
        int denseEpochs = args.Int("dense-epochs", 10);
        double[] sparsities = args.Fractions("sparsities", [0.7]);
        int calibrationRows = args.Int("calibration-rows", 1024);
        int convPositions = args.Int("max-conv-positions", 64);
        int seed = args.Int("seed", 1, min: 0);
        string data = args.String("data", FashionMnist.DebianFolder);
        string cache = Path.GetFullPath(args.String("cache", RealModels.DefaultCache));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript("real_models.py"));
        args.ThrowIfUnknown();
        int threads = TorchSharp.torch.get_num_threads();

        // The dense model of the lenet5 benchmark: trained and exported by PyTorch (cached).
        var (export, dense, test, denseAccuracy) = RealModels.LoadDense(Model, denseEpochs, seed, python, peer, cache, data, threads);
        Format.Progress($"Dense LeNet-5 ({export.Epochs} epochs in PyTorch): {denseAccuracy:P2} (ONNX Runtime), {export.Accuracy:P2} (PyTorch).");
        string[] prunable = dense.GetPrunableWeights().Select(w => w.Name).ToArray();

        var ml = new MLContext(seed: seed);
        ReconstructionTable.ShowLayerProgress(ml);
        var (train, _) = FashionMnist.Load(ml, data);

        Result Measure(string method, double sparsity, PruningEstimator estimator)
        {
            var pruned = estimator.Fit(train);
            double accuracy = RealModels.Accuracy(pruned.Model.ToBytes(), test, threads);
            double seconds = pruned.Report.Elapsed.TotalSeconds;
            Format.Progress($"{method} {sparsity:P0}: {accuracy:P2} ({pruned.Report.Sparsity:P2} zero, {seconds:F2} s).");
            return new Result(method, sparsity, accuracy, pruned.Report.Sparsity, seconds, pruned.Report.Reconstruction);
        }
        CoordinateDescentPruningOptions Cd(double sparsity, bool sequential) => new()
        {
            Model = dense, InputColumnNames = [RealModels.Input], OutputColumnNames = [RealModels.Output], Sparsity = sparsity,
            Scope = PruningScope.Layer, CalibrationRows = calibrationRows, Sequential = sequential, MaxConvPositionsPerRow = convPositions, Seed = seed,
        };

        var results = new List<Result>();
        foreach (double sparsity in sparsities)
        {
            results.Add(Measure("cd-sequential", sparsity, ml.Pruning().CoordinateDescent(Cd(sparsity, sequential: true))));
            results.Add(Measure("cd-parallel", sparsity, ml.Pruning().CoordinateDescent(Cd(sparsity, sequential: false))));
            results.Add(Measure("magnitude", sparsity, ml.Pruning().Magnitude(new MagnitudePruningOptions
            {
                Model = dense, InputColumnNames = [RealModels.Input], OutputColumnNames = [RealModels.Output], Sparsity = sparsity,
                Scope = PruningScope.Layer, Seed = seed,
            })));
        }
        return Report(args, export, prunable, calibrationRows, convPositions, denseAccuracy, sparsities, results);
    }

    private static string Report(BenchmarkArguments args, RealModels.Export export, string[] prunable, int calibrationRows, int convPositions,
        double denseAccuracy, double[] sparsities, List<Result> results)
    {
        Result Ours(string method, double sparsity) => results.Single(r => r.Method == method && r.Sparsity == sparsity);
        var text = new StringBuilder();
        text.AppendLine("## coordinate-descent-lenet5: layer-wise reconstruction pruning of LeNet-5 (PyTorch export), one-shot");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, export.PeerVersions));
        text.AppendLine();
        text.AppendLine($"The lenet5 benchmark's dense LeNet-5 (the same cached export of `benchmarks/peer/real_models.py`: {export.Epochs} epochs on the full " +
            $"Fashion-MNIST, {export.Parameters:N0} parameters), pruned once, no fine-tuning, each of its {prunable.Length} weights " +
            $"({string.Join(", ", prunable)}) to the sparsity. *cd sequential*: `ml.Pruning().CoordinateDescent(new CoordinateDescentPruningOptions " +
            $"{{ Sparsity = …, Scope = Layer, CalibrationRows = {calibrationRows}, MaxConvPositionsPerRow = {convPositions} }})` (adaptive-Lasso support (the default AdaptivePower = 1) by " +
            "coordinate descent, least-squares refit; each layer calibrated on the already-pruned model; the Gemm layers fit the dense model's " +
            "output, the Conv layers their own input's X·w), *cd parallel* the same with `Sequential = false` (every layer on the dense model's " +
            $"activations), *magnitude* `Magnitude(Scope = Layer)`. Calibration: the first {calibrationRows:N0} training images in file order; a Conv " +
            $"layer's X is the im2col patches of at most {convPositions} output positions per image (seeded). Accuracy: the 10,000 test images, " +
            "scored by ONNX Runtime on the pruned model. Prune time: `PruningReport.Elapsed` (calibration included).");
        text.AppendLine();
        var table = new MarkdownTable(["sparsity", "dense", .. Methods.Select(m => m.Title), "cd sequential − magnitude (points)",
            .. Methods.Select(m => $"time {m.Title}")]);
        foreach (double s in sparsities)
            table.Add([$"{s * 100:0.##} %", Format.Percent(denseAccuracy), .. Methods.Select(m => Format.Percent(Ours(m.Method, s).Accuracy)),
                Points(Ours("cd-sequential", s).Accuracy - Ours("magnitude", s).Accuracy),
                .. Methods.Select(m => Format.Seconds(Ours(m.Method, s).PruneSeconds))]);
        text.AppendLine(table.ToString());
        text.AppendLine();
        foreach (double s in sparsities)
        {
            foreach (var (method, title) in Methods.Where(m => m.Method != "magnitude"))
            {
                var result = Ours(method, s);
                text.AppendLine($"{title} at {s * 100:0.##} % (`PruningReport.Reconstruction`; {Format.Percent(result.Zeros)} of the pruned weights zero; " +
                    "error ‖X(W − Ŵ)ᵀ‖/‖XWᵀ‖ on the calibration inputs the layer was solved with; positions: rows of X, one per image for Gemm, " +
                    $"sampled patches for Conv; time: {(method == "cd-sequential" ? "the layer's calibration pass + solve" : "solve, the first layer's with the one calibration pass of all layers")}):");
                text.AppendLine();
                text.AppendLine(ReconstructionTable.Of(result.Reconstruction));
                text.AppendLine();
            }
        }
        return text.ToString().TrimEnd() + Environment.NewLine;
    }

    private static string Points(double difference) => (difference * 100).ToString("+0.00;−0.00;0.00", CultureInfo.InvariantCulture);
}
