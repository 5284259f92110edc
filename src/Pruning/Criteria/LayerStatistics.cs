using System;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// What the calibration pass observed for one prunable layer, over <see cref="Rows"/> rows; each member is filled
/// only when the criterion asked for it (<see cref="CriterionNeeds"/>), else null.
/// </summary>
public sealed class LayerStatistics
{
    internal LayerStatistics(int rows, double[]? inputSquaredSums, double[]? unitAbsoluteMeans, double[]? unitZeroFractions,
        float[][]? unitSamples, double[]? unitCorrelation)
    {
        Rows = rows;
        InputSquaredSums = inputSquaredSums;
        UnitAbsoluteMeans = unitAbsoluteMeans;
        UnitZeroFractions = unitZeroFractions;
        UnitSamples = unitSamples;
        UnitCorrelation = unitCorrelation;
    }

    /// <summary>Calibration rows observed.</summary>
    public int Rows { get; }

    /// <summary>Σx² of each input feature (Gemm/MatMul) or input channel (Conv, over all positions): ‖X_j‖² of Wanda.</summary>
    public double[]? InputSquaredSums { get; }

    /// <summary>Mean |a| of each output unit's activation (after its bias and activation function), over rows and positions.</summary>
    public double[]? UnitAbsoluteMeans { get; }

    /// <summary>Fraction of exact zeros of each output unit's activation (APoZ), over rows and positions.</summary>
    public double[]? UnitZeroFractions { get; }

    /// <summary>Per output unit, one activation per row (the spatial mean for Conv): [unit][row].</summary>
    public float[][]? UnitSamples { get; }

    /// <summary>Pearson correlation of the output units' activations, units × units row-major (0 where a unit is constant).</summary>
    public double[]? UnitCorrelation { get; }

    internal T Require<T>(T? value, string what, string criterion) where T : class =>
        value ?? throw new InvalidOperationException($"Criterion '{criterion}' needs {what}, which the calibration pass did not compute.");
}
