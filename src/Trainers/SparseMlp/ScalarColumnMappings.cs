using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Pruning.Trainers;

/// <summary>
/// Turns the one-element vectors ML.NET's ONNX transformer gives for [N]-shaped outputs into the scalar columns
/// ML.NET's evaluators and prediction engines expect (Score, Probability, PredictedLabel).
/// </summary>
/// <remarks>
/// ML.NET 5.0.1 cannot read a scalar ONNX output: its transformer treats a non-vector output as a sequence of
/// maps and fails on a tensor. These mappings are saved with the model under their contract names; a process
/// that loads such a model registers this assembly once, as for any ML.NET custom mapping:
/// <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(SparseMlpTrainer).Assembly)</c>. The trainers register
/// it on the context they train in.
/// </remarks>
internal static class ScalarColumnMappings
{
    public const string VectorSuffix = Stages.RowView.VectorSuffix;
    public const string Multiclass = "Microsoft.ML.Pruning.SparseMlp.MulticlassScalars";
    public const string Binary = "Microsoft.ML.Pruning.SparseMlp.BinaryScalars";
    public const string Regression = "Microsoft.ML.Pruning.SparseMlp.RegressionScalars";
}

/// <summary>ONNX outputs of a multiclass network, as ML.NET reads them.</summary>
public sealed class SparseMlpMulticlassVectors
{
    /// <summary>Argmax class index, one element.</summary>
    [ColumnName("PredictedLabel" + ScalarColumnMappings.VectorSuffix), VectorType(1)]
    public uint[] PredictedIndex { get; set; } = [];
}

/// <summary>The scalar class index (mapped to a key afterwards).</summary>
public sealed class SparseMlpMulticlassScalars
{
    /// <summary>0-based class index.</summary>
    public uint PredictedLabel { get; set; }
}

/// <summary>Custom mapping: multiclass class index vector → scalar.</summary>
[CustomMappingFactoryAttribute(ScalarColumnMappings.Multiclass)]
public sealed class SparseMlpMulticlassScalarsFactory : CustomMappingFactory<SparseMlpMulticlassVectors, SparseMlpMulticlassScalars>
{
    /// <inheritdoc />
    public override System.Action<SparseMlpMulticlassVectors, SparseMlpMulticlassScalars> GetMapping() =>
        (input, output) => output.PredictedLabel = input.PredictedIndex[0];
}

/// <summary>ONNX outputs of a binary network, as ML.NET reads them.</summary>
public sealed class SparseMlpBinaryVectors
{
    /// <summary>Logit.</summary>
    [ColumnName("Score" + ScalarColumnMappings.VectorSuffix), VectorType(1)]
    public float[] Score { get; set; } = [];

    /// <summary>Sigmoid of the logit.</summary>
    [ColumnName("Probability" + ScalarColumnMappings.VectorSuffix), VectorType(1)]
    public float[] Probability { get; set; } = [];

    /// <summary>Logit &gt; 0.</summary>
    [ColumnName("PredictedLabel" + ScalarColumnMappings.VectorSuffix), VectorType(1)]
    public bool[] PredictedLabel { get; set; } = [];
}

/// <summary>Binary scalars as ML.NET's binary trainers name them.</summary>
public sealed class SparseMlpBinaryScalars
{
    /// <summary>Logit.</summary>
    public float Score { get; set; }

    /// <summary>Sigmoid of the logit.</summary>
    public float Probability { get; set; }

    /// <summary>Logit &gt; 0.</summary>
    public bool PredictedLabel { get; set; }
}

/// <summary>Custom mapping: binary vectors → scalars.</summary>
[CustomMappingFactoryAttribute(ScalarColumnMappings.Binary)]
public sealed class SparseMlpBinaryScalarsFactory : CustomMappingFactory<SparseMlpBinaryVectors, SparseMlpBinaryScalars>
{
    /// <inheritdoc />
    public override System.Action<SparseMlpBinaryVectors, SparseMlpBinaryScalars> GetMapping() => (input, output) =>
    {
        output.Score = input.Score[0];
        output.Probability = input.Probability[0];
        output.PredictedLabel = input.PredictedLabel[0];
    };
}

/// <summary>ONNX output of a regression network, as ML.NET reads it.</summary>
public sealed class SparseMlpRegressionVectors
{
    /// <summary>Prediction.</summary>
    [ColumnName("Score" + ScalarColumnMappings.VectorSuffix), VectorType(1)]
    public float[] Score { get; set; } = [];
}

/// <summary>The scalar regression score.</summary>
public sealed class SparseMlpRegressionScalars
{
    /// <summary>Prediction.</summary>
    public float Score { get; set; }
}

/// <summary>Custom mapping: regression vector → scalar.</summary>
[CustomMappingFactoryAttribute(ScalarColumnMappings.Regression)]
public sealed class SparseMlpRegressionScalarsFactory : CustomMappingFactory<SparseMlpRegressionVectors, SparseMlpRegressionScalars>
{
    /// <inheritdoc />
    public override System.Action<SparseMlpRegressionVectors, SparseMlpRegressionScalars> GetMapping() =>
        (input, output) => output.Score = input.Score[0];
}
