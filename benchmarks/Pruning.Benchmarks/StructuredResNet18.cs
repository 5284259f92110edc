using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// structured, part resnet18: ML.NET's ResNet18 featurizer with a fraction of every dependency group's channels removed
/// (Granularity Channel, magnitude-l2, residual groups coupled, the feature width allowed to shrink), one-shot and + distillation
/// fine-tuning of the featurizer. Quality as an ML.NET user measures it: a linear probe (SDCA maximum entropy) on the features of
/// Fashion-MNIST images. Cost: parameters, bytes, MACs, ONNX Runtime latency at batch 1 and 32, beside torchvision's ResNet18
/// layout at full and half width exported by PyTorch (benchmarks/peer/resnet_width.py) and Torch-Pruning's published ResNet-50 ratio.
/// </summary>
internal static class StructuredResNet18
{
    /// <summary>Torch-Pruning's ResNet-50 (ImageNet) result: 3.85× fewer MACs gave a 2.19× faster model.</summary>
    private const double TorchPruningMacReduction = 3.85, TorchPruningSpeedUp = 2.19;

    public sealed record Options(double Fraction, int TrainImages, int TestImages, int FineTuneImages, int FineTuneEpochs, int Batch,
        double LearningRate, int VerifyRows, int LatencyBatch, string Python, string Peer, bool FreezeNormalization);

    /// <param name="BatchFixed">The file's input declared batch 1 and the benchmark made it symbolic to score batches.</param>
    private sealed record Featurizer(string Name, byte[] Bytes, double ProbeAccuracy, int FeatureWidth, double Seconds, bool BatchFixed);

    private sealed record Cost(string Name, byte[] Bytes, long Parameters, long Macs);

    public static Options Parse(BenchmarkArguments args)
    {
        string rate = args.String("resnet-learning-rate", "1e-4");
        if (!double.TryParse(rate, NumberStyles.Float, CultureInfo.InvariantCulture, out double learningRate) || !(learningRate > 0))
            throw new ArgumentException($"--resnet-learning-rate must be a positive number; got '{rate}'.");
        return new Options(
            Fraction: args.Fractions("resnet-channel-fraction", [0.5]).Single(),
            TrainImages: args.Int("probe-train-images", 2000),
            TestImages: args.Int("probe-test-images", 1000),
            FineTuneImages: args.Int("resnet-fine-tune-images", 1000),
            FineTuneEpochs: args.Int("resnet-fine-tune-epochs", 1, min: 0),
            Batch: args.Int("resnet-batch", 16),
            LearningRate: learningRate,
            VerifyRows: args.Int("resnet-verify-rows", 16, min: 0),
            LatencyBatch: args.Int("resnet-latency-batch", 32),
            Python: args.String("python", "/usr/bin/python3"),
            Peer: args.String("resnet-peer", PythonPeer.FindScript("resnet_width.py")),
            FreezeNormalization: args.Int("resnet-freeze-normalization", 1, min: 0) != 0);
    }

    public static string Run(StructuredBenchmark.Settings s, Options o, List<string> versions)
    {
        string densePath = Path.Combine(AppContext.BaseDirectory, FeaturizerImages.ModelFile);
        byte[] dense = File.ReadAllBytes(densePath);
        var images = FeaturizerImages.Load();
        var train = RealModels.Read(s.Data, "train");
        var test = RealModels.Read(s.Data, "t10k");
        if (o.TrainImages + o.FineTuneImages > train.Count || o.TestImages > test.Count)
            throw new ArgumentException($"--probe-train-images {o.TrainImages} + --resnet-fine-tune-images {o.FineTuneImages} must fit in {train.Count} training " +
                $"images and --probe-test-images {o.TestImages} in {test.Count} test images.");
        var ml = new MLContext(seed: s.Seed);
        // The probe trains on the first training images; the featurizer is fine-tuned (without labels) on the next ones.
        int fineTuneStart = o.TrainImages;

        Featurizer Probe(string name, byte[] model, double seconds)
        {
            byte[] anyBatch = LatencyTimer.AnyBatch(model, out bool batchFixed);
            Format.Progress($"resnet18: {name}: features of {o.TrainImages} + {o.TestImages} images ...");
            var trainFeatures = images.Features(anyBatch, FeaturizerImages.Input, FeaturizerImages.Output, train, 0, o.TrainImages, s.OrtThreads);
            var testFeatures = images.Features(anyBatch, FeaturizerImages.Input, FeaturizerImages.Output, test, 0, o.TestImages, s.OrtThreads);
            var probe = ml.Transforms.NormalizeMeanVariance("Features")
                .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(labelColumnName: "Label", featureColumnName: "Features"))
                .Fit(FeaturizerImages.FeatureView(ml, trainFeatures, train, 0));
            double accuracy = ml.MulticlassClassification.Evaluate(probe.Transform(FeaturizerImages.FeatureView(ml, testFeatures, test, 0))).MicroAccuracy;
            Format.Progress($"resnet18: {name}: {trainFeatures[0].Length} features, linear-probe accuracy {accuracy:P2}.");
            return new Featurizer(name, model, accuracy, trainFeatures[0].Length, seconds, batchFixed);
        }

        var fitData = images.View(ml, train, fineTuneStart, o.FineTuneImages);
        PruneOptions Prune(bool fineTune) => new()
        {
            ModelPath = densePath,
            InputColumnNames = [FeaturizerImages.Input],
            OutputColumnNames = [FeaturizerImages.Output],
            Criterion = "magnitude-l2",
            Granularity = PruningGranularity.Channel,
            Sparsity = o.Fraction,
            Scope = PruningScope.Layer,
            CalibrationRows = Math.Max(1, o.VerifyRows),
            Seed = s.Seed,
            Structured = new StructuredOptions { PruneOutputs = true, VerifyRows = o.VerifyRows },
            FineTune = !fineTune ? null : new FineTuneOptions
            {
                Epochs = o.FineTuneEpochs,
                BatchSize = o.Batch,
                LearningRate = o.LearningRate,
                LabelColumnName = null,
                ScoreColumnName = FeaturizerImages.Output,
                Distillation = new DistillationOptions { Weight = 1, EmbeddingLoss = EmbeddingLoss.Cosine },
                FreezeNormalizationStatistics = o.FreezeNormalization,
            },
        };

        var featurizers = new List<Featurizer> { Probe("dense (ML.NET's file)", dense, 0) };
        Format.Progress($"resnet18: pruning {o.Fraction:P0} of the channels, one-shot ...");
        var oneShot = ml.Pruning().Prune(Prune(fineTune: false)).Fit(fitData);
        featurizers.Add(Probe($"{o.Fraction:P0} channels removed, one-shot", oneShot.CompactOnnx.ToArray(), oneShot.Report.Elapsed.TotalSeconds));
        if (o.FineTuneEpochs > 0)
        {
            Format.Progress($"resnet18: pruning + {o.FineTuneEpochs} epoch(s) of distillation on {o.FineTuneImages} images ...");
            var tuned = TorchRetry.Run("resnet18 structured distillation", () => ml.Pruning().Prune(Prune(fineTune: true)).Fit(fitData));
            featurizers.Add(Probe($"{o.Fraction:P0} removed + {o.FineTuneEpochs} ep distillation", tuned.CompactOnnx.ToArray(), tuned.Report.Elapsed.TotalSeconds));
        }

        // The PyTorch side: the same architecture (the file's BasicBlocks per stage) at full and at the kept width, random weights
        // (latency does not depend on them).
        string peerFolder = Path.Combine(s.Output, "resnet-width");
        double width = 1 - o.Fraction;
        int[] blocks = BlocksPerStage(dense);
        using var peer = PythonPeer.Run(o.Python, o.Peer,
            ["--width", width.ToString(CultureInfo.InvariantCulture), "--blocks", string.Join(',', blocks), "--seed", s.Seed.ToString(CultureInfo.InvariantCulture),
             "--output", peerFolder],
            Path.Combine(peerFolder, "resnet-width.json"));
        var peerModels = peer.RootElement.GetProperty("models").EnumerateArray()
            .Select(m => (Name: m.GetProperty("name").GetString()!, Path: m.GetProperty("onnx").GetString()!)).ToList();
        var peerVersions = peer.RootElement.GetProperty("versions");
        versions.Add($"PyTorch peer: python {peerVersions.GetProperty("python").GetString()}, torch {peerVersions.GetProperty("torch").GetString()}, " +
            $"torchvision {peerVersions.GetProperty("torchvision").GetString()}, onnx {peerVersions.GetProperty("onnx").GetString()}");

        InputFeed[] ours = [InputFeed.Float(FeaturizerImages.Input, 3, FeaturizerImages.Side, FeaturizerImages.Side)];
        InputFeed[] theirs = [InputFeed.Float("input", 3, FeaturizerImages.Side, FeaturizerImages.Side)];
        var pruned = featurizers[^1];
        var costs = new List<(Cost Cost, InputFeed[] Feeds)>
        {
            (Measure("ML.NET ResNet18, dense", dense, ours), ours),
            (Measure($"ML.NET ResNet18, {pruned.Name}", pruned.Bytes, ours), ours),
            (Measure("PyTorch ResNet, full width", File.ReadAllBytes(peerModels.Single(m => m.Name == "full").Path), theirs), theirs),
            (Measure($"PyTorch ResNet, width {width:0.##}", File.ReadAllBytes(peerModels.Single(m => m.Name == "pruned").Path), theirs), theirs),
        };
        // Ours and theirs have different input names: two timing loops, each of a dense model and its pruned one.
        Format.Progress($"resnet18: ONNX Runtime latency, batch 1 and {o.LatencyBatch} ...");
        var latency1 = new double[costs.Count];
        var latencyN = new double[costs.Count];
        for (int pair = 0; pair < costs.Count; pair += 2)
        {
            var models = new[] { costs[pair].Cost.Bytes, costs[pair + 1].Cost.Bytes }.Select(b => LatencyTimer.AnyBatch(b, out _)).ToList();
            var feeds = costs[pair].Feeds;
            double[] b1 = LatencyTimer.Medians(models, feeds, 1, s.Warmup, s.Repeats, s.OrtThreads, s.Seed);
            double[] bN = LatencyTimer.Medians(models, feeds, o.LatencyBatch, s.Warmup, s.Repeats, s.OrtThreads, s.Seed);
            (latency1[pair], latency1[pair + 1], latencyN[pair], latencyN[pair + 1]) = (b1[0], b1[1], bN[0], bN[1]);
        }
        return Report(s, o, featurizers, costs.Select(c => c.Cost).ToList(), latency1, latencyN, width, blocks);
    }

    /// <summary>
    /// BasicBlocks per stage of a ResNet file: its 3 × 3 convolutions grouped by output channels in graph order, two per block
    /// (ML.NET's CNTK ResNet18 gives 2, 2, 2, 3: its last stage has three blocks, unlike torchvision's resnet18).
    /// </summary>
    private static int[] BlocksPerStage(byte[] onnx)
    {
        var graph = Onnx.Protobuf.ModelProto.Parser.ParseFrom(onnx).Graph;
        var weights = graph.Initializer.ToDictionary(i => i.Name, i => i.Dims.ToArray(), StringComparer.Ordinal);
        var stages = new List<(long Channels, int Convs)>();
        foreach (var node in graph.Node.Where(n => n.OpType == "Conv"))
        {
            if (!weights.TryGetValue(node.Input[1], out var dims) || dims.Length != 4 || dims[2] != 3 || dims[3] != 3) continue;
            if (stages.Count > 0 && stages[^1].Channels == dims[0]) stages[^1] = (dims[0], stages[^1].Convs + 1);
            else stages.Add((dims[0], 1));
        }
        if (stages.Count != 4 || stages.Any(st => st.Convs % 2 != 0))
            throw new InvalidDataException($"Not a four-stage BasicBlock ResNet: 3 × 3 convolutions per stage {string.Join(", ", stages.Select(st => $"{st.Channels}: {st.Convs}"))}.");
        return [.. stages.Select(st => st.Convs / 2)];
    }

    private static Cost Measure(string name, byte[] bytes, InputFeed[] feeds) => new(name, bytes, ModelSize.Parameters(bytes), ModelSize.Macs(bytes, feeds));

    private static string Report(StructuredBenchmark.Settings s, Options o, List<Featurizer> featurizers, List<Cost> costs, double[] latency1, double[] latencyN,
        double width, int[] blocks)
    {
        var text = new StringBuilder();
        text.AppendLine($"### resnet18: ML.NET's ResNet18 featurizer, {o.Fraction:P0} of the channels removed");
        text.AppendLine();
        text.AppendLine($"`{FeaturizerImages.ModelFile}` of NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 (CNTK export, opset 8, batch fixed at 1; " +
            "ONNX Runtime runs the dense file with its batch dimension made symbolic). Pruned with `ml.Pruning().Prune(new PruneOptions { " +
            $"Criterion = \"magnitude-l2\", Granularity = Channel, Sparsity = {o.Fraction.ToString(CultureInfo.InvariantCulture)}, Scope = Layer, " +
            $"Structured = new StructuredOptions {{ PruneOutputs = true, VerifyRows = {o.VerifyRows} }} }})`: every dependency group (a convolution's " +
            "filters with its BatchNormalization and the next convolution's inputs; the convolutions joined by a residual Add as one group) loses " +
            "that fraction of its channels, the feature vector included (`PruneOutputs`). *+ distillation*: the same with `FineTune` without labels " +
            $"(`Distillation = {{ Weight = 1, EmbeddingLoss = Cosine }}`, {o.FineTuneEpochs} epoch(s) over {o.FineTuneImages} training images not used " +
            $"by the probe, batch {o.Batch}, Adam lr {o.LearningRate.ToString(CultureInfo.InvariantCulture)}" +
            (o.FreezeNormalization ? ", `FreezeNormalizationStatistics = true`: BatchNormalization keeps ImageNet's running statistics" : ", BatchNormalization on batch statistics, its running statistics updated") +
            "): the pruned featurizer learns to reproduce the dense featurizer's features on the kept channels.");
        text.AppendLine();
        text.AppendLine("Images: Fashion-MNIST, each 28 × 28 gray image scaled to [0, 255], resized to 224 × 224 bilinearly, copied into the three " +
            "channels, minus the package's mean image (`DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx`, the preprocessing ML.NET's " +
            "`DnnFeaturizeImage` chains before ResNet18). *Linear probe*: features by ONNX Runtime, `NormalizeMeanVariance` + " +
            $"`SdcaMaximumEntropy` trained on the first {o.TrainImages} training images, accuracy on the first {o.TestImages} test images.");
        text.AppendLine();
        var quality = new MarkdownTable("featurizer", "features", "linear-probe accuracy", "vs dense", "prune (+ fine-tune) time");
        double denseAccuracy = featurizers[0].ProbeAccuracy;
        foreach (var f in featurizers)
            quality.Add(f.Name, f.FeatureWidth.ToString(CultureInfo.InvariantCulture), Format.Percent(f.ProbeAccuracy),
                f == featurizers[0] ? "" : $"{(f.ProbeAccuracy - denseAccuracy) * 100:+0.00;−0.00} points", f == featurizers[0] ? "" : Format.Seconds(f.Seconds));
        text.AppendLine(quality.ToString());
        text.AppendLine();

        text.AppendLine($"Cost. The PyTorch rows: torchvision's ResNet layout with BasicBlocks ({string.Join(", ", blocks)} per stage, as in ML.NET's file, " +
            "whose last stage has one block more than torchvision's resnet18) built by `benchmarks/peer/resnet_width.py` at full width and with every " +
            $"convolution's channels × {width:0.##} (stem {Math.Round(64 * width)}, stages {string.Join("/", new[] { 64, 128, 256, 512 }.Select(c => Math.Round(c * width)))}: " +
            "what pruning the same fraction of every layer's channels with PyTorch tooling leaves), random weights, exported by `torch.onnx.export` " +
            "(opset 13, BatchNormalization folded, dynamic batch), up to the global average pool like ML.NET's file. Each pair (dense, pruned) is timed " +
            "in one loop. MACs per image.");
        text.AppendLine();
        var cost = new MarkdownTable("model", "parameters", "file bytes", "MACs", "MACs vs dense", "ORT ms, batch 1", $"ORT ms, batch {o.LatencyBatch}",
            "speed-up b1", $"speed-up b{o.LatencyBatch}");
        for (int i = 0; i < costs.Count; i++)
        {
            int reference = i - i % 2;
            var c = costs[i];
            cost.Add(c.Name, $"{c.Parameters:N0}", Format.Bytes(c.Bytes.Length), $"{c.Macs:N0}", Format.Percent((double)c.Macs / costs[reference].Macs),
                StructuredBenchmark.Ms(latency1[i]), StructuredBenchmark.Ms(latencyN[i]),
                StructuredBenchmark.SpeedUp(latency1[reference], latency1[i]), StructuredBenchmark.SpeedUp(latencyN[reference], latencyN[i]));
        }
        text.AppendLine(cost.ToString());
        text.AppendLine();

        var ratio = new MarkdownTable("pruning", "MACs reduction", $"speed-up (batch 1 / batch {o.LatencyBatch})", "speed-up ÷ MACs reduction (batch 1)");
        ratio.Add("Torch-Pruning, ResNet-50 on ImageNet (published)", Format.Ratio(TorchPruningMacReduction), $"{Format.Ratio(TorchPruningSpeedUp)} (as published)",
            $"{TorchPruningSpeedUp / TorchPruningMacReduction:F2}");
        for (int i = 1; i < costs.Count; i += 2)
        {
            double reduction = (double)costs[i - 1].Macs / costs[i].Macs;
            double speedUp1 = latency1[i - 1] / latency1[i], speedUpN = latencyN[i - 1] / latencyN[i];
            ratio.Add(costs[i].Name + " (this machine)", Format.Ratio(reduction), $"{Format.Ratio(speedUp1)} / {Format.Ratio(speedUpN)}", $"{speedUp1 / reduction:F2}");
        }
        text.AppendLine(ratio.ToString());
        text.AppendLine();

        var ourDense = costs[0];
        var ourPruned = costs[1];
        double macShare = (double)ourPruned.Macs / ourDense.Macs;
        double s1 = latency1[0] / latency1[1], sN = latencyN[0] / latencyN[1];
        var last = featurizers[^1];
        double drop = (denseAccuracy - last.ProbeAccuracy) * 100;
        foreach (var f in featurizers.Skip(1).Where(f => f.BatchFixed))
            text.AppendLine($"- {f.Name}: the written file still fixes the batch at 1 (`StructuredOptions.DynamicBatch` is on by default); the benchmark made it symbolic to score batches.");
        text.AppendLine($"- Target: MACs ≤ 27 % of dense: {Format.Percent(macShare)} → **{(macShare <= 0.27 ? "met" : "MISSED")}**.");
        text.AppendLine($"- Target: ORT CPU latency ≥ 3× faster at batch 1 and at batch {o.LatencyBatch}: {Format.Ratio(s1)} and {Format.Ratio(sN)} → " +
            $"**{(s1 >= 3 && sN >= 3 ? "met" : "MISSED")}** (PyTorch at the same width on this machine: {Format.Ratio(latency1[2] / latency1[3])} and {Format.Ratio(latencyN[2] / latencyN[3])}).");
        text.AppendLine($"- Target: linear-probe accuracy within 1 point of dense{(o.FineTuneEpochs > 0 ? " after fine-tuning" : " (no fine-tuning run)")}: " +
            $"{Format.Percent(last.ProbeAccuracy)} vs {Format.Percent(denseAccuracy)} ({drop:F2} points lower) → **{(drop <= 1 ? "met" : "MISSED")}**.");
        if (o.TrainImages != 2000 || o.TestImages != 1000 || o.FineTuneImages != 1000 || o.FineTuneEpochs != 1)
            text.AppendLine($"- Not the default measurement (probe 2000 / 1000 images, 1 distillation epoch over 1000 images): {o.TrainImages} / {o.TestImages}, " +
                $"{o.FineTuneEpochs} epoch(s) over {o.FineTuneImages}.");
        return text.ToString();
    }
}
