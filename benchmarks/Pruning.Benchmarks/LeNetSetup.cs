using System.Text.Json;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>What the lenet and fine-tune-seeds benchmarks share: the columns, the dense seed, the pruning options, accuracy.</summary>
internal static class LeNetSetup
{
    public static readonly string[] Outputs = ["Score", "PredictedLabel"];
    public static readonly string[] Inputs = ["Features"];

    /// <summary>The MLContext and SparseMlp seed of the dense network both benchmarks start from.</summary>
    public const int DenseSeed = 1;

    /// <summary>
    /// The dense network the lenet benchmark starts from (SparseMlp, seed <see cref="DenseSeed"/>, from an MLContext
    /// seeded the same), written to <paramref name="path"/>; returns its test accuracy, the model and the training time.
    /// </summary>
    public static (double Accuracy, OnnxModel Model, double Seconds) TrainDense(MLContext ml, IDataView train, IDataView test, int epochs, string path)
    {
        var watch = new System.Diagnostics.Stopwatch();
        var dense = TorchRetry.Run("dense SparseMlp", () =>
        {
            watch.Restart();
            return ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { Epochs = epochs, Seed = DenseSeed }).Fit(train);
        });
        double seconds = watch.Elapsed.TotalSeconds;
        dense.SaveOnnx(path);
        return (Accuracy(ml, dense, test), OnnxModel.Load(path), seconds);
    }

    /// <summary>Global magnitude pruning to <paramref name="sparsity"/>, then <paramref name="fineTuneEpochs"/> epochs with the masks fixed.</summary>
    public static MagnitudePruningOptions FineTuned(OnnxModel model, double sparsity, int fineTuneEpochs) => new()
    {
        Model = model,
        OutputColumnNames = Outputs,
        InputColumnNames = Inputs,
        Sparsity = sparsity,
        Scope = PruningScope.Global,
        FineTune = new FineTuneOptions { Epochs = fineTuneEpochs, LabelColumnName = "Label" },
    };

    /// <summary>Test-set micro accuracy.</summary>
    public static double Accuracy(MLContext ml, ITransformer model, IDataView test) =>
        ml.MulticlassClassification.Evaluate(model.Transform(test)).MicroAccuracy;

    /// <summary>"python 3.11.2: torch …, onnx …, numpy …" from the peer's JSON.</summary>
    public static string PeerVersions(JsonElement peer)
    {
        var versions = peer.GetProperty("versions");
        return $"python {versions.GetProperty("python").GetString()}: torch {versions.GetProperty("torch").GetString()}, " +
            $"onnx {versions.GetProperty("onnx").GetString()}, numpy {versions.GetProperty("numpy").GetString()}";
    }
}
