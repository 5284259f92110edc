using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Microsoft.ML.Pruning;

/// <summary>
/// The ML.NET custom mapping that turns the one-element vector ML.NET's ONNX transformer gives for a regression graph's
/// [N]-shaped Score (scored as "Score.vector", see <see cref="Stages.RowView"/>) into the scalar Single Score ML.NET's
/// evaluators and prediction engines expect. Used by the linear trainers of this assembly (<c>LassoCoordinateDescent</c>).
/// </summary>
/// <remarks>
/// Saved with the model under <see cref="ContractName"/>; a process that loads such a model registers this assembly
/// once, as for any ML.NET custom mapping: <c>mlContext.ComponentCatalog.RegisterAssembly(typeof(LassoCoordinateDescentTrainer).Assembly)</c>.
/// SparseMlp keeps its own mappings (in Microsoft.ML.Pruning.Trainers, under their own names) so that its saved models
/// keep loading as they did.
/// </remarks>
internal static class RegressionScoreMapping
{
    /// <summary>The contract name the mapping is saved and found under.</summary>
    public const string ContractName = "Microsoft.ML.Pruning.RegressionScore";

    /// <summary>The column the ONNX scorer writes, dropped after the mapping.</summary>
    public const string VectorColumn = "Score" + Stages.RowView.VectorSuffix;
}

/// <summary>The ONNX scorer's output of a linear regression, as ML.NET reads it (infrastructure of the saved model).</summary>
public sealed class RegressionScoreVector
{
    /// <summary>The prediction, one element.</summary>
    [ColumnName(RegressionScoreMapping.VectorColumn), VectorType(1)]
    public float[] Score { get; set; } = [];
}

/// <summary>The scalar regression score (infrastructure of the saved model).</summary>
public sealed class RegressionScore
{
    /// <summary>The prediction.</summary>
    public float Score { get; set; }
}

/// <summary>Custom mapping: regression score vector → scalar (infrastructure of the saved model).</summary>
[CustomMappingFactoryAttribute(RegressionScoreMapping.ContractName)]
public sealed class RegressionScoreFactory : CustomMappingFactory<RegressionScoreVector, RegressionScore>
{
    /// <inheritdoc />
    public override System.Action<RegressionScoreVector, RegressionScore> GetMapping() =>
        (input, output) => output.Score = input.Score[0];
}
