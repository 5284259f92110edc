using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.ML.Pruning.Tests.Transforms;
using Microsoft.ML.Pruning.Trainers;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

/// <summary>
/// The files a sweep's workers read, built once per test run: the tests' trained 8-16-3 MLP (TestData's Gaussian blobs,
/// SparseMlp as in the fine-tuning tests) as an .onnx file, a copy whose batch is fixed at 1, and training and validation
/// rows as ML.NET binary files (Label a key over 3 classes; Class the same class as UInt32; IsPositive a Boolean).
/// </summary>
internal static class SweepTestFiles
{
    private static readonly Lazy<string> Folder = new(Build);

    public static string ModelPath => Path.Combine(Folder.Value, "model.onnx");

    public static string FixedBatchModelPath => Path.Combine(Folder.Value, "fixed-batch.onnx");

    public static string TrainPath => Path.Combine(Folder.Value, "train.idv");

    public static string ValidationPath => Path.Combine(Folder.Value, "validation.idv");

    public static readonly string[] Outputs = ["Score"];
    public static readonly string[] Inputs = ["Features"];

    /// <summary>A temporary file name in the fixture's folder.</summary>
    public static string NewPath(string extension) => Path.Combine(Folder.Value, $"{Guid.NewGuid():N}{extension}");

    public static MagnitudePruningOptions Magnitude(double sparsity, string? modelPath = null) => new()
    {
        ModelPath = modelPath ?? ModelPath, OutputColumnNames = Outputs, InputColumnNames = Inputs, Sparsity = sparsity, Seed = 11,
    };

    public static TrialRequest Request(PruningOptions? options, SweepMetric? metric = null, string? denseModelPath = null) => new()
    {
        SweepId = "test", TrialId = options is null ? 0 : 1, Options = options, DenseModelPath = denseModelPath ?? ModelPath,
        OutputColumnNames = Outputs, InputColumnNames = Inputs, TrainDataPath = TrainPath, ValidationDataPath = ValidationPath,
        Metric = metric ?? SweepMetric.Accuracy("Label", "Score"), LatencyBatchSize = 8, LatencyRepeats = 2, LatencyWarmup = 0, LatencyIntraOpThreads = 1,
    };

    public static IDataView Load(MLContext ml, string path) => ml.Data.LoadFromBinary(path);

    /// <summary>Share of rows whose largest score is at the row's Class (by hand, from the scored rows).</summary>
    public static double Accuracy(IDataView scored)
    {
        var scores = TestData.ScoreColumn(scored);
        var classes = scored.GetColumn<uint>("Class").ToArray();
        int correct = 0;
        for (int r = 0; r < scores.Length; r++)
        {
            int best = 0;
            for (int i = 1; i < scores[r].Length; i++) if (scores[r][i] > scores[r][best]) best = i;
            if (best == classes[r]) correct++;
        }
        return (double)correct / scores.Length;
    }

    private static string Build()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"sweep-tests-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        var ml = new MLContext(1);
        var train = TestData.Multiclass(ml, 300, seed: 1);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [16], Epochs = 10, BatchSize = 32, LearningRate = 0.01, Seed = 1 })
            .Fit(train).Model;
        model.Save(Path.Combine(folder, "model.onnx"));
        var fixedBatch = model.Clone();
        fixedBatch.Graph.Input[0].Type.TensorType.Shape.Dim[0] = new TensorShapeProto.Types.Dimension { DimValue = 1 };
        fixedBatch.Save(Path.Combine(folder, "fixed-batch.onnx"));
        Save(ml, train, Path.Combine(folder, "train.idv"));
        Save(ml, TestData.Multiclass(ml, 150, seed: 2), Path.Combine(folder, "validation.idv"));
        return folder;
    }

    private static void Save(MLContext ml, IDataView data, string path)
    {
        using var stream = File.Create(path);
        ml.Data.SaveAsBinary(data, stream, keepHidden: false);
    }
}
