using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.Json;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// sparse-training (issue 9): LeNet-300-100 on the full Fashion-MNIST, sparsity learned during training against pruning
/// after it. At each sparsity: <c>Lasso</c> (λ searched for the target) and <c>Admm</c>, each then fine-tuned with the same
/// epochs as global magnitude pruning, against magnitude + fine-tuning, torch.nn.utils.prune + fine-tuning (the lenet
/// peer) and the dense model trained as many epochs in all. Then group Lasso (and ADMM over neurons) removing half of the
/// hidden neurons against random and L2-norm neuron selection, and the cost per epoch of the regularizer hook.
/// </summary>
internal static class SparseTrainingBenchmark
{
    private static readonly string[] Outputs = LeNetSetup.Outputs;
    private static readonly string[] Inputs = LeNetSetup.Inputs;

    /// <summary>
    /// One pruned model: its method, sparsity, the epochs it trained after the dense model before its masks were fixed, its
    /// accuracy with the masks applied and after the fine-tune epochs, and a line of details for the notes.
    /// </summary>
    private sealed record Result(string Method, double Sparsity, int TrainingEpochs, double BeforeFineTune, double FineTuned, double Seconds, string Details);

    /// <summary>Median seconds per epoch of one training condition of the hook-cost measurement.</summary>
    private sealed record EpochTiming(string Condition, Samples Seconds);

    public static string Run(BenchmarkArguments args)
    {
        int denseEpochs = args.Int("dense-epochs", 10);
        int fineTuneEpochs = args.Int("fine-tune-epochs", 2);
        double[] sparsities = args.Fractions("sparsities", [0.9, 0.95]);
        int lassoEpochs = args.Int("lasso-epochs", 1);
        // From the automatic first λ the path needs more than the default 10 doublings on LeNet (a smoke run on 10,000 rows ran out at 10).
        int lassoPathSteps = args.Int("lasso-path-steps", 16);
        int admmEpochs = args.Int("admm-epochs", 4);
        double rho = Double(args, "rho", 0.01);
        double rhoFactor = Double(args, "rho-factor", 1.3);
        int stepsPerRound = args.Int("admm-steps-per-round", 100, min: 0);
        double neuronFraction = args.Fractions("neuron-fraction", [0.5]).Single();
        int timingRepetitions = args.Int("timing-repetitions", 5);
        int trainRows = args.Int("train-rows", 60_000);
        string data = args.String("data", FashionMnist.DebianFolder);
        string output = Path.GetFullPath(args.String("output", Path.Combine(Path.GetTempPath(), "pruning-benchmarks", "sparse-training")));
        string python = args.String("python", "/usr/bin/python3");
        string peer = args.String("peer", PythonPeer.FindScript());
        args.ThrowIfUnknown();
        if (!(rho > 0)) throw new ArgumentException($"--rho must be positive; got {rho}.");
        if (!(rhoFactor >= 1)) throw new ArgumentException($"--rho-factor must be at least 1; got {rhoFactor}.");
        Directory.CreateDirectory(output);

        var ml = new MLContext(seed: LeNetSetup.DenseSeed);
        var (fullTrain, test) = FashionMnist.Load(ml, data);
        long available = fullTrain.GetRowCount() ?? 0;
        var train = trainRows < available ? ml.Data.TakeRows(fullTrain, trainRows) : fullTrain;
        int rows = (int)Math.Min(trainRows, available);
        Format.Progress($"Fashion-MNIST from {data}: {rows:N0} training rows used of {available:N0}, {test.GetRowCount():N0} test rows.");

        string densePath = Path.Combine(output, "dense.onnx");
        var (denseAccuracy, dense, denseSeconds) = LeNetSetup.TrainDense(ml, train, test, denseEpochs, densePath);
        Format.Progress($"Dense: {denseEpochs} epochs in {denseSeconds:F1} s, accuracy {denseAccuracy:P2}.");

        // The dense model trained k more epochs (fresh Adam, as every fine-tune here), once per k asked for.
        var denseMore = new Dictionary<int, double>();
        double DenseTrainedMore(int epochs)
        {
            if (denseMore.TryGetValue(epochs, out double known)) return known;
            var tuned = TorchRetry.Run($"dense + {epochs} epochs", () => ml.Pruning().Magnitude(LeNetSetup.FineTuned(dense, 0, epochs)).Fit(train));
            double accuracy = LeNetSetup.Accuracy(ml, tuned, test);
            Format.Progress($"Dense + {epochs} epochs: {accuracy:P2}.");
            return denseMore[epochs] = accuracy;
        }

        // A pruned model's fine-tune: the magnitude row's own (Magnitude at the same target, FineTune with the masks fixed).
        // Its masks are exactly the pruned model's zeros, since they are the target count and every other weight is non-zero.
        double FineTuneLikeMagnitude(OnnxModel pruned, double sparsity, PruningGranularity granularity, string what)
        {
            PruningOptions options = granularity == PruningGranularity.Unstructured
                ? LeNetSetup.FineTuned(pruned, sparsity, fineTuneEpochs)
                : Neurons(pruned, "magnitude", sparsity, fineTuneEpochs);
            var tuned = TorchRetry.Run($"{what} + {fineTuneEpochs} epochs", () => options is MagnitudePruningOptions m ? ml.Pruning().Magnitude(m).Fit(train) : ml.Pruning().Prune((PruneOptions)options).Fit(train));
            CheckSameZeros(pruned, tuned.Model, what);
            return LeNetSetup.Accuracy(ml, tuned, test);
        }

        var results = new List<Result>();
        void Add(Result r)
        {
            results.Add(r);
            Format.Progress($"{r.Method} {r.Sparsity:P0}: {r.TrainingEpochs} training epochs, {r.BeforeFineTune:P2} before fine-tuning, {r.FineTuned:P2} after ({r.Seconds:F1} s); {r.Details}");
        }

        // 1. Unstructured, global: magnitude, Lasso, ADMM at each sparsity.
        foreach (double sparsity in sparsities)
        {
            var oneShot = ml.Pruning().Magnitude(dense, Outputs, Inputs, sparsity, PruningScope.Global).Fit(train);
            var tuned = TorchRetry.Run($"magnitude {sparsity:P0} + fine-tune", () => ml.Pruning().Magnitude(LeNetSetup.FineTuned(dense, sparsity, fineTuneEpochs)).Fit(train));
            Add(new Result("magnitude", sparsity, 0, LeNetSetup.Accuracy(ml, oneShot, test), LeNetSetup.Accuracy(ml, tuned, test), tuned.Report.Elapsed.TotalSeconds, "global magnitude"));

            var lasso = TorchRetry.Run($"Lasso {sparsity:P0}", () => ml.Pruning().Lasso(new LassoPruningOptions
            {
                Model = dense, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, Scope = PruningScope.Global, Seed = 1,
                Training = new FineTuneOptions { Epochs = lassoEpochs, LabelColumnName = "Label" }, MaxLambdaSteps = lassoPathSteps,
            }).Fit(train));
            var search = lasso.Report.SparseTraining!;
            Add(new Result("Lasso", sparsity, search.KeptEpochs, LeNetSetup.Accuracy(ml, lasso, test),
                FineTuneLikeMagnitude(lasso.Model, sparsity, PruningGranularity.Unstructured, $"Lasso {sparsity:P0}"), lasso.Report.Elapsed.TotalSeconds,
                LassoDetails(search)));

            var admm = TorchRetry.Run($"ADMM {sparsity:P0}", () => ml.Pruning().Admm(Admm(dense, sparsity, PruningGranularity.Unstructured, PruningScope.Global,
                admmEpochs, rho, rhoFactor, stepsPerRound)).Fit(train));
            Add(new Result("ADMM", sparsity, admm.Report.Admm!.Training.Epochs.Count, LeNetSetup.Accuracy(ml, admm, test),
                FineTuneLikeMagnitude(admm.Model, sparsity, PruningGranularity.Unstructured, $"ADMM {sparsity:P0}"), admm.Report.Elapsed.TotalSeconds,
                AdmmDetails(admm.Report.Admm!)));
        }

        // 2. Neurons: half of fc1's and of fc2's units (each layer, fc3 kept), group Lasso and ADMM vs random and L2-norm selection.
        var groupLasso = TorchRetry.Run("group Lasso", () => ml.Pruning().Lasso(new LassoPruningOptions
        {
            Model = dense, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = neuronFraction, Scope = PruningScope.Layer,
            Granularity = PruningGranularity.Neuron, ExcludedLayers = ["fc3.weight"], Seed = 1,
            Training = new FineTuneOptions { Epochs = lassoEpochs, LabelColumnName = "Label" }, MaxLambdaSteps = lassoPathSteps,
        }).Fit(train));
        var groupSearch = groupLasso.Report.SparseTraining!;
        int groupEpochs = groupSearch.KeptEpochs;
        var neurons = new List<Result>
        {
            new("group Lasso", neuronFraction, groupEpochs, LeNetSetup.Accuracy(ml, groupLasso, test),
                FineTuneLikeMagnitude(groupLasso.Model, neuronFraction, PruningGranularity.Neuron, "group Lasso"), groupLasso.Report.Elapsed.TotalSeconds, LassoDetails(groupSearch)),
        };
        var admmNeurons = TorchRetry.Run("ADMM neurons", () => ml.Pruning().Admm(Admm(dense, neuronFraction, PruningGranularity.Neuron, PruningScope.Layer,
            admmEpochs, rho, rhoFactor, stepsPerRound)).Fit(train));
        neurons.Add(new("ADMM neurons", neuronFraction, admmEpochs, LeNetSetup.Accuracy(ml, admmNeurons, test),
            FineTuneLikeMagnitude(admmNeurons.Model, neuronFraction, PruningGranularity.Neuron, "ADMM neurons"), admmNeurons.Report.Elapsed.TotalSeconds, AdmmDetails(admmNeurons.Report.Admm!)));
        foreach (string criterion in new[] { "random", "magnitude-l2" })
        {
            var oneShot = ml.Pruning().Prune(Neurons(dense, criterion, neuronFraction, null)).Fit(train);
            double before = LeNetSetup.Accuracy(ml, oneShot, test);
            var tuned = TorchRetry.Run($"{criterion} neurons + fine-tune", () => ml.Pruning().Prune(Neurons(dense, criterion, neuronFraction, fineTuneEpochs)).Fit(train));
            neurons.Add(new($"{criterion} + {fineTuneEpochs} ep", neuronFraction, 0, before, LeNetSetup.Accuracy(ml, tuned, test), tuned.Report.Elapsed.TotalSeconds, criterion));
            // The same epochs as group Lasso in all: its regularized training plus the fine-tune, all as fine-tuning here.
            int same = groupEpochs + fineTuneEpochs;
            var longer = TorchRetry.Run($"{criterion} neurons + {same} epochs", () => ml.Pruning().Prune(Neurons(dense, criterion, neuronFraction, same)).Fit(train));
            neurons.Add(new($"{criterion} + {same} ep", neuronFraction, 0, before, LeNetSetup.Accuracy(ml, longer, test), longer.Report.Elapsed.TotalSeconds, criterion));
        }
        foreach (var r in neurons)
            Format.Progress($"{r.Method}: {r.BeforeFineTune:P2} before fine-tuning, {r.FineTuned:P2} after; {r.Details}");

        // 3. The dense model trained as many epochs as each row in all.
        foreach (int epochs in results.Concat(neurons.Where(n => n.TrainingEpochs > 0)).Select(r => r.TrainingEpochs + fineTuneEpochs).Distinct().Order())
            DenseTrainedMore(epochs);

        // 4. Cost of the regularizer hook per epoch, on the training loop directly.
        var timings = HookCost(dense, data, rows, timingRepetitions, rho);

        // 5. torch.nn.utils.prune (global L1) + the same fine-tune epochs, from the same dense file.
        var peerArgs = new List<string>
        {
            "--model", densePath, "--data", data, "--epochs", fineTuneEpochs.ToString(CultureInfo.InvariantCulture),
            "--sparsities", string.Join(',', sparsities.Select(s => s.ToString(CultureInfo.InvariantCulture))),
            "--threads", TorchSharp.torch.get_num_threads().ToString(CultureInfo.InvariantCulture),
        };
        if (rows < available) peerArgs.AddRange(["--limit-train", rows.ToString(CultureInfo.InvariantCulture)]);
        using var torchPeer = PythonPeer.Run(python, peer, peerArgs, Path.Combine(output, "torch-peer.json"));

        return Report(args, rows, denseEpochs, fineTuneEpochs, lassoEpochs, lassoPathSteps, admmEpochs, rho, rhoFactor, stepsPerRound, neuronFraction, denseAccuracy,
            denseMore, sparsities, results, neurons, timings, torchPeer.RootElement);
    }

    private static double Double(BenchmarkArguments args, string name, double fallback)
    {
        string text = args.String(name, fallback.ToString("R", CultureInfo.InvariantCulture));
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value) && double.IsFinite(value)
            ? value : throw new ArgumentException($"--{name} must be a number; got '{text}'.");
    }

    private static AdmmPruningOptions Admm(OnnxModel dense, double sparsity, PruningGranularity granularity, PruningScope scope,
        int epochs, double rho, double rhoFactor, int stepsPerRound)
    {
        var options = new AdmmPruningOptions
        {
            Model = dense, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, Scope = scope, Granularity = granularity, Seed = 1,
            Rho = rho, RhoFactor = rhoFactor, RhoMax = Math.Max(1, rho), StepsPerRound = stepsPerRound == 0 ? null : stepsPerRound,
            Training = new FineTuneOptions { Epochs = epochs, LabelColumnName = "Label" },
        };
        if (granularity != PruningGranularity.Unstructured) options.ExcludedLayers.Add("fc3.weight");
        return options;
    }

    /// <summary>Neuron pruning of fc1 and fc2 (each layer to the fraction, fc3 kept) by a criterion, with an optional fine-tune.</summary>
    private static PruneOptions Neurons(OnnxModel model, string criterion, double fraction, int? fineTuneEpochs) => new()
    {
        Model = model, OutputColumnNames = Outputs, InputColumnNames = Inputs, Criterion = criterion, Sparsity = fraction,
        Scope = PruningScope.Layer, Granularity = PruningGranularity.Neuron, ExcludedLayers = ["fc3.weight"], Seed = 1,
        FineTune = fineTuneEpochs is int epochs ? new FineTuneOptions { Epochs = epochs, LabelColumnName = "Label" } : null,
    };

    /// <summary>The fine-tune kept every zero of the pruned model (its masks were those zeros), else the comparison is off.</summary>
    private static void CheckSameZeros(OnnxModel pruned, OnnxModel tuned, string what)
    {
        foreach (var weight in pruned.GetPrunableWeights())
        {
            var before = OnnxTensor.ToFloatArray(pruned.GetInitializer(weight.Name));
            var after = OnnxTensor.ToFloatArray(tuned.GetInitializer(weight.Name));
            long zeros = before.Count(v => v == 0), kept = 0;
            for (int i = 0; i < before.Length; i++) kept += before[i] == 0 && after[i] == 0 ? 1 : 0;
            // Zeros beyond the target (Lasso's "zeros kept") may train again; the target's count stays zero.
            if (kept < Math.Min(zeros, after.LongCount(v => v == 0)))
                throw new InvalidOperationException($"{what}: the fine-tune's masks on {weight.Name} are not the pruned model's zeros ({kept:N0} of {zeros:N0} stayed zero).");
        }
    }

    private static string LassoDetails(SparseTrainingReport search)
    {
        var c = CultureInfo.InvariantCulture;
        string lambdas = string.Join(", ", search.Kept.Lambdas.Select(l => search.Kept.Lambdas.Count == 1 ? l.Value.ToString("G3", c) : $"{l.Key} {l.Value.ToString("G3", c)}"));
        long zeros = search.Layers.Sum(l => l.ZerosByTraining), cut = search.Layers.Sum(l => l.CutByRounding);
        return string.Create(c, $"λ {lambdas}; {search.Trials.Count} trials ({search.TrainedEpochs} epochs in all), kept trial {search.KeptTrial} " +
            $"at {search.Kept.Sparsity:P1}{(search.TargetReached ? "" : " (target not reached)")}; {zeros:N0} zeros by training, {cut:N0} cut by rounding");
    }

    private static string AdmmDetails(AdmmReport admm)
    {
        var c = CultureInfo.InvariantCulture;
        var last = admm.Rounds.Count > 0 ? admm.Rounds[^1] : null;
        long parameters = admm.Layers.Sum(l => l.Parameters);
        double cutNorm = Math.Sqrt(admm.Layers.Sum(l => l.CutNorm * l.CutNorm * l.Parameters) / Math.Max(1, parameters)); // size-weighted, for one number
        return string.Create(c, $"{admm.Rounds.Count} rounds, ρ {admm.Rounds.FirstOrDefault()?.Rho:G3} → {last?.Rho:G3}, last primal residual {last?.PrimalResidual:G3}, " +
            $"dual {last?.DualResidual:G3}, cut norm ≈ {cutNorm:G3}{(admm.Diverged ? ", diverged" : "")}");
    }

    /// <summary>
    /// Seconds per epoch of the one training loop (LeNet-300-100, Adam, batch 128, from the dense weights) without a regularizer,
    /// with L1 and group-L1 proximal steps and with ADMM, one epoch per run, interleaved, the first repetition discarded as warm-up.
    /// </summary>
    private static List<EpochTiming> HookCost(OnnxModel dense, string data, int rows, int repetitions, double rho)
    {
        var read = FashionMnist.Read(data, "train");
        int count = Math.Min(rows, read.Length);
        var features = new float[count * FashionMnist.Pixels];
        var labels = new float[count];
        for (int r = 0; r < count; r++)
        {
            read[r].Features.CopyTo(features, r * FashionMnist.Pixels);
            labels[r] = read[r].Label;
        }
        var trainingData = new TrainingData(features, FashionMnist.Pixels, labels);
        string trainOutput = TrainingGraph.TrainableOutput(dense, "Score", TrainingLoss.CrossEntropy);
        var weights = dense.GetPrunableWeights();
        var settings = new TrainingSettings { Epochs = 1, BatchSize = 128, LearningRate = 1e-3, Optimizer = TrainingOptimizer.Adam, Loss = TrainingLoss.CrossEntropy, ScoreKind = ScoreKind.Logits };
        // λ small enough that the weights stay mostly non-zero: the hook's cost, not a model with nothing left.
        var conditions = new (string Name, Func<MaskedTrainer, int, TrainingResult> Train)[]
        {
            ("none", (t, seed) => t.Train(trainingData, settings with { Seed = seed })),
            ("L1 proximal", (t, seed) => t.Train(trainingData, settings with { Seed = seed }, regularization: new L1Regularization
                { Weights = [.. weights.Select(w => new RegularizedWeight(w.Name, 1e-4, w.OutputAxis))] })),
            ("group-L1 proximal", (t, seed) => t.Train(trainingData, settings with { Seed = seed }, regularization: new GroupL1Regularization
                { Weights = [.. weights.Take(weights.Count - 1).Select(w => new RegularizedWeight(w.Name, 1e-4, w.OutputAxis))] })),
            ("ADMM (a round per epoch)", (t, seed) => t.TrainAdmm(trainingData, settings with { Seed = seed },
                AdmmSettings.ForSparsity(weights, 0.9, PruningScope.Global) with { Rho = rho, RhoMax = Math.Max(1, rho) }).Training),
        };
        var timings = conditions.Select(c => new EpochTiming(c.Name, new Samples())).ToList();
        for (int repetition = 0; repetition <= repetitions; repetition++)
        {
            for (int i = 0; i < conditions.Length; i++)
            {
                var (name, train) = conditions[i];
                double seconds = TorchRetry.Run($"hook cost: {name}", () =>
                {
                    using var trainer = new MaskedTrainer(dense, trainOutput, TorchSharp.torch.CPU);
                    return train(trainer, repetition + 1).Epochs.Single().Elapsed.TotalSeconds;
                });
                if (repetition > 0) timings[i].Seconds.Add(seconds);
                Format.Progress($"Hook cost, repetition {repetition}{(repetition == 0 ? " (warm-up)" : "")}: {name} {seconds:F2} s per epoch.");
            }
        }
        return timings;
    }

    private static string Report(BenchmarkArguments args, int rows, int denseEpochs, int fineTuneEpochs, int lassoEpochs, int lassoPathSteps, int admmEpochs, double rho, double rhoFactor,
        int stepsPerRound, double neuronFraction, double denseAccuracy, Dictionary<int, double> denseMore, double[] sparsities, List<Result> results,
        List<Result> neurons, List<EpochTiming> timings, JsonElement peer)
    {
        var c = CultureInfo.InvariantCulture;
        var peerBySparsity = peer.GetProperty("sparsities").EnumerateArray().ToDictionary(e => Math.Round(e.GetProperty("sparsity").GetDouble(), 6));
        const string Dash = "–";
        string admmRounds = stepsPerRound == 0 ? "a round per epoch" : $"a round every {stepsPerRound} steps";

        var text = new StringBuilder();
        text.AppendLine("## sparse-training: Lasso and ADMM on LeNet-300-100, against pruning after training");
        text.AppendLine();
        text.AppendLine(Machine.Describe(args, LeNetSetup.PeerVersions(peer)));
        text.AppendLine();
        text.AppendLine($"{(rows >= 60_000 ? "Full Fashion-MNIST" : $"Fashion-MNIST, the first {rows:N0} training images only (a smoke run)")} " +
            $"({rows:N0} training, 10,000 test images). The dense network of the lenet benchmark (SparseMlp, {denseEpochs} epochs, seed {LeNetSetup.DenseSeed}, " +
            $"test accuracy {Format.Percent(denseAccuracy)}) is the start of every row. " +
            $"*Lasso*: `ml.Pruning().Lasso(new LassoPruningOptions {{ Sparsity = s, Scope = Global, Training = {{ Epochs = {lassoEpochs} }}, MaxLambdaSteps = {lassoPathSteps} }})`: L1 proximal steps " +
            "(soft-thresholding by lr·λ after every Adam step, lr 1e-3, batch 128), λ searched for the target (a path ×2 with warm starts, then up to 5 bisections, tolerance 0.5 % below the target), " +
            "the kept trial's zero pattern rounded to the exact count. " +
            $"*ADMM*: `ml.Pruning().Admm(new AdmmPruningOptions {{ Sparsity = s, Scope = Global, Rho = {rho.ToString(c)}, RhoFactor = {rhoFactor.ToString(c)}, " +
            $"{(stepsPerRound == 0 ? "" : $"StepsPerRound = {stepsPerRound}, ")}Training = {{ Epochs = {admmEpochs} }} }})` ({admmRounds}, ρ ×{rhoFactor.ToString(c)} per round up to 1), " +
            "hard-pruned to Z's support. " +
            $"*Magnitude*: global magnitude pruning of the dense model. Every method is then fine-tuned the same way, {fineTuneEpochs} epochs with the masks fixed " +
            $"(`Magnitude(Sparsity = s, FineTune = {{ Epochs = {fineTuneEpochs} }})` on the pruned model, whose masks are exactly its zeros; fresh Adam, lr 1e-3, batch 128). " +
            $"*torch*: `benchmarks/peer/torch_prune.py` on the same dense file, `prune.global_unstructured(..., L1Unstructured)` + {fineTuneEpochs} epochs. " +
            "*Epochs before the masks*: the epochs a method trained after the dense model before its masks were fixed (Lasso: the kept trial's and those it was " +
            "warm-started from; the search trained more, see the notes). *Dense, as many epochs*: the dense model trained that many epochs plus the fine-tune's " +
            "(fresh Adam, lr 1e-3, batch 128, no pruning). Test-set accuracies.");
        text.AppendLine();

        var table = new MarkdownTable("sparsity", "method", "epochs before the masks", "before fine-tune", $"+{fineTuneEpochs} ep", "dense, as many epochs");
        foreach (double s in sparsities)
        {
            foreach (var r in results.Where(r => r.Sparsity == s))
                table.Add($"{s * 100:0.##} %", r.Method, r.TrainingEpochs.ToString(c), Format.Percent(r.BeforeFineTune), Format.Percent(r.FineTuned),
                    Format.Percent(denseMore[r.TrainingEpochs + fineTuneEpochs]));
            var p = peerBySparsity[Math.Round(s, 6)];
            table.Add($"{s * 100:0.##} %", "torch.nn.utils.prune", "0", Format.Percent(p.GetProperty("one_shot").GetDouble()), Format.Percent(p.GetProperty("fine_tuned").GetDouble()),
                Format.Percent(peer.GetProperty("dense_fine_tuned").GetProperty("accuracy").GetDouble()) + " (torch)");
        }
        text.AppendLine(table.ToString());
        text.AppendLine();
        text.AppendLine("What the sparse training did (prune time includes it and the compaction; the fine-tune is not included):");
        text.AppendLine();
        foreach (var r in results.Where(r => r.Method != "magnitude"))
            text.AppendLine($"- {r.Method} at {r.Sparsity * 100:0.##} %: {r.Details}; {Format.Seconds(r.Seconds)}.");
        text.AppendLine();

        text.AppendLine($"### Neurons: {neuronFraction:P0} of the hidden neurons of fc1 and fc2 removed (each layer; fc3 kept)");
        text.AppendLine();
        text.AppendLine($"*group Lasso*: `Lasso(Granularity = Neuron, Scope = Layer, Sparsity = {neuronFraction.ToString(c)}, ExcludedLayers = [fc3.weight])` " +
            "(ℓ2,1 proximal steps over output neurons, one λ per layer searched, the zero units rounded to the count by L1 norm). " +
            $"*ADMM neurons*: `Admm(Granularity = Neuron, Scope = Layer)` with the settings above. *random*, *magnitude-l2*: " +
            "`Prune(Criterion = \"random\" | \"magnitude-l2\", Granularity = Neuron, Scope = Layer)` on the dense model, fine-tuned " +
            $"{fineTuneEpochs} epochs, and as many epochs as group Lasso trained in all (its epochs before the masks + {fineTuneEpochs}).");
        text.AppendLine();
        var neuronTable = new MarkdownTable("method", "epochs before the masks", "before fine-tune", "after fine-tune", "dense, as many epochs");
        foreach (var r in neurons)
            neuronTable.Add(r.Method, r.TrainingEpochs.ToString(c), Format.Percent(r.BeforeFineTune), Format.Percent(r.FineTuned),
                r.TrainingEpochs > 0 ? Format.Percent(denseMore[r.TrainingEpochs + fineTuneEpochs]) : Dash);
        text.AppendLine(neuronTable.ToString());
        text.AppendLine();
        foreach (var r in neurons.Where(r => r.TrainingEpochs > 0))
            text.AppendLine($"- {r.Method}: {r.Details}; {Format.Seconds(r.Seconds)}.");
        text.AppendLine();

        text.AppendLine("### Cost of the regularizer hook per epoch");
        text.AppendLine();
        text.AppendLine($"The training loop directly (`MaskedTrainer.Train` / `TrainAdmm`, LeNet-300-100 from the dense weights, {rows:N0} rows, Adam, batch 128, one epoch per run), " +
            "the four conditions interleaved, the first repetition discarded as warm-up; median seconds per epoch over " +
            $"{timings[0].Seconds.Count} repetitions. L1: soft-thresholding of fc1, fc2 and fc3 after every step (λ 1e-4); group L1: of fc1's and fc2's neurons; " +
            $"ADMM: ρ(W − Z + U) added to those weights' gradients every step, a projection at the end of the epoch (90 %, global).");
        text.AppendLine();
        var timeTable = new MarkdownTable("regularizer", "s per epoch (median)", "min", "max", "vs none");
        double none = timings[0].Seconds.Median;
        foreach (var t in timings)
            timeTable.Add(t.Condition, Format.Seconds(t.Seconds.Median), Format.Seconds(t.Seconds.Min), Format.Seconds(t.Seconds.Max),
                t == timings[0] ? Dash : $"{(t.Seconds.Median / none - 1) * 100:+0.0;-0.0} %");
        text.AppendLine(timeTable.ToString());
        text.AppendLine();

        text.AppendLine("Targets:");
        if (sparsities.Contains(0.95))
        {
            double magnitude = results.Single(r => r.Method == "magnitude" && r.Sparsity == 0.95).FineTuned;
            var best = results.Where(r => r.Sparsity == 0.95 && r.Method is "Lasso" or "ADMM").MaxBy(r => r.FineTuned)!;
            double gain = (best.FineTuned - magnitude) * 100;
            text.AppendLine($"- At 95 %, Lasso or ADMM + {fineTuneEpochs} ep at least 1 point above magnitude + {fineTuneEpochs} ep ({Format.Percent(magnitude)}): " +
                $"best is {best.Method}, {Format.Percent(best.FineTuned)}, {gain:+0.00;-0.00} points → {(gain >= 1 ? "MET" : "MISSED")}.");
        }
        else
        {
            text.AppendLine("- At 95 %: not measured in this run (--sparsities has no 0.95).");
        }
        double l1 = timings.Single(t => t.Condition == "L1 proximal").Seconds.Median / none - 1;
        text.AppendLine($"- The L1 hook costs less than 10 % per epoch: {l1 * 100:+0.0;-0.0} % → {(l1 < 0.10 ? "MET" : "MISSED")}.");
        text.Append(TorchRetry.Note());
        return text.ToString();
    }
}
