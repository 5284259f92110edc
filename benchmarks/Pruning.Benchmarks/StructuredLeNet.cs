using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// structured, part lenet: the lenet benchmark's dense LeNet-300-100 (SparseMlp, 784-300-100-10) with a fraction of each hidden
/// layer's neurons removed (Granularity Neuron, criterion magnitude-l2, Scope Layer; the output layer excluded), one-shot and
/// + fine-tuning epochs: layer shapes, parameters, bytes, MACs, ONNX Runtime latency at batch 1 and 32, test accuracy.
/// </summary>
internal static class StructuredLeNet
{
    public sealed record Options(int DenseEpochs, int FineTuneEpochs, double Fraction, int TrainRows, int LatencyBatch);

    private sealed record Row(string Name, byte[] Bytes, double Accuracy, double Seconds);

    public static Options Parse(BenchmarkArguments args) => new(
        DenseEpochs: args.Int("lenet-epochs", 10),
        FineTuneEpochs: args.Int("lenet-fine-tune-epochs", 2),
        Fraction: args.Fractions("lenet-neuron-fraction", [0.5]).Single(),
        TrainRows: args.Int("train-rows", 60_000),
        LatencyBatch: args.Int("lenet-latency-batch", 32));

    public static string Run(StructuredBenchmark.Settings s, Options o)
    {
        var ml = new MLContext(seed: LeNetSetup.DenseSeed);
        var (fullTrain, test) = FashionMnist.Load(ml, s.Data);
        long available = fullTrain.GetRowCount() ?? 0;
        var train = o.TrainRows < available ? ml.Data.TakeRows(fullTrain, o.TrainRows) : fullTrain;
        int trainRows = (int)Math.Min(o.TrainRows, available);
        Format.Progress($"lenet: Fashion-MNIST from {s.Data}, {trainRows:N0} training rows; dense {o.DenseEpochs} epochs ...");

        string densePath = Path.Combine(s.Output, "lenet-dense.onnx");
        var (denseAccuracy, dense, denseSeconds) = LeNetSetup.TrainDense(ml, train, test, o.DenseEpochs, densePath);
        var weights = dense.GetPrunableWeights();
        string outputLayer = weights[^1].Name;

        PruneOptions Prune(int fineTuneEpochs, bool refit = false) => new()
        {
            Model = dense,
            OutputColumnNames = LeNetSetup.Outputs,
            InputColumnNames = LeNetSetup.Inputs,
            Criterion = "magnitude-l2",
            Granularity = PruningGranularity.Neuron,
            Sparsity = o.Fraction,
            Scope = PruningScope.Layer,
            ExcludedLayers = [outputLayer],
            Seed = LeNetSetup.DenseSeed,
            Structured = new StructuredOptions { RefitConsumers = refit },
            FineTune = fineTuneEpochs == 0 ? null : new FineTuneOptions { Epochs = fineTuneEpochs, LabelColumnName = "Label" },
        };

        var rows = new List<Row> { new("dense", File.ReadAllBytes(densePath), denseAccuracy, denseSeconds) };
        var oneShot = ml.Pruning().Prune(Prune(0)).Fit(train);
        rows.Add(new($"{o.Fraction:P0} of hidden neurons removed, one-shot", oneShot.CompactOnnx.ToArray(), LeNetSetup.Accuracy(ml, oneShot, test),
            oneShot.Report.Elapsed.TotalSeconds));
        Format.Progress($"lenet: one-shot accuracy {rows[^1].Accuracy:P2}, {rows[^1].Bytes.Length:N0} bytes.");
        var refit = ml.Pruning().Prune(Prune(0, refit: true)).Fit(train);
        rows.Add(new($"{o.Fraction:P0} removed, one-shot + least-squares refit of the next layers", refit.CompactOnnx.ToArray(), LeNetSetup.Accuracy(ml, refit, test),
            refit.Report.Elapsed.TotalSeconds));
        Format.Progress($"lenet: one-shot + refit accuracy {rows[^1].Accuracy:P2}.");
        var tuned = TorchRetry.Run("lenet structured fine-tune", () => ml.Pruning().Prune(Prune(o.FineTuneEpochs)).Fit(train));
        rows.Add(new($"{o.Fraction:P0} removed + {o.FineTuneEpochs} fine-tune epochs", tuned.CompactOnnx.ToArray(), LeNetSetup.Accuracy(ml, tuned, test),
            tuned.Report.Elapsed.TotalSeconds));
        Format.Progress($"lenet: + {o.FineTuneEpochs} epochs accuracy {rows[^1].Accuracy:P2}.");

        InputFeed[] feeds = [InputFeed.Float(LeNetSetup.Inputs[0], FashionMnist.Pixels)];
        var models = rows.Select(r => LatencyTimer.AnyBatch(r.Bytes, out _)).ToList();
        Format.Progress($"lenet: ONNX Runtime latency, batch 1 and {o.LatencyBatch} ...");
        double[] batch1 = LatencyTimer.Medians(models, feeds, 1, s.Warmup, s.Repeats, s.OrtThreads, s.Seed);
        double[] batchN = LatencyTimer.Medians(models, feeds, o.LatencyBatch, s.Warmup, s.Repeats, s.OrtThreads, s.Seed);

        var table = new MarkdownTable("model", "layer weights", "parameters", "file bytes", "MACs per row", $"ORT ms, batch 1", $"ORT ms, batch {o.LatencyBatch}",
            "speed-up b1", $"speed-up b{o.LatencyBatch}", "test accuracy", "prune (+ train) time");
        for (int i = 0; i < rows.Count; i++)
        {
            var r = rows[i];
            string shapes = string.Join(", ", OnnxModel.Load(r.Bytes).GetPrunableWeights().Select(w => string.Join("×", w.Shape)));
            table.Add(r.Name, shapes, $"{ModelSize.Parameters(r.Bytes):N0}", Format.Bytes(r.Bytes.Length), $"{ModelSize.Macs(r.Bytes, feeds):N0}",
                StructuredBenchmark.Ms(batch1[i]), StructuredBenchmark.Ms(batchN[i]), StructuredBenchmark.SpeedUp(batch1[0], batch1[i]),
                StructuredBenchmark.SpeedUp(batchN[0], batchN[i]), Format.Percent(r.Accuracy), Format.Seconds(r.Seconds));
        }

        var text = new StringBuilder();
        text.AppendLine($"### lenet: LeNet-300-100, {o.Fraction:P0} of the hidden neurons removed");
        text.AppendLine();
        text.AppendLine($"The lenet benchmark's dense network (SparseMlp 784-300-100-10, seed {LeNetSetup.DenseSeed}, {o.DenseEpochs} epochs on " +
            $"{trainRows:N0} Fashion-MNIST training rows; the test set's 10,000 rows for accuracy). Pruned with " +
            $"`ml.Pruning().Prune(new PruneOptions {{ Criterion = \"magnitude-l2\", Granularity = Neuron, Sparsity = {o.Fraction}, Scope = Layer, " +
            $"ExcludedLayers = [\"{outputLayer}\"] }})`: each hidden layer loses that fraction of its neurons (lowest L2 norm of the neuron's weights), " +
            "the 10 class outputs stay; *+ refit*: `Structured = new StructuredOptions { RefitConsumers = true }` (each next layer refit by least squares " +
            "on the first 1,024 training rows, bias included); *+ fine-tune*: the same with `FineTune = new FineTuneOptions { Epochs = " + o.FineTuneEpochs + " }` (Adam, " +
            "labels). *Layer weights* are the shapes of the Gemm weights in the written file ([outputs, inputs] or [inputs, outputs] as exported). " +
            "Accuracy is ML.NET's evaluation of the transformer, which scores the written file.");
        text.AppendLine();
        text.AppendLine(table.ToString());
        return text.ToString();
    }
}
