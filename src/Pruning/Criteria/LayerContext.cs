using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>What a criterion sees of one prunable layer: its weights, the granularity asked for, and what calibration observed.</summary>
public sealed class LayerContext
{
    private readonly float[] _weights;
    private readonly long _unitStride;
    private readonly Lazy<int> _seed;

    internal LayerContext(PrunableWeight weight, float[] weights, PruningGranularity granularity, int groups,
        LayerStatistics? statistics, GradientStatistics? weightGradients, GradientStatistics? activationGradients, Func<int> seed)
    {
        Weight = weight;
        _weights = weights;
        Granularity = granularity;
        Groups = Math.Max(1, groups);
        Statistics = statistics;
        WeightGradients = weightGradients;
        ActivationGradients = activationGradients;
        _seed = new Lazy<int>(seed);
        long stride = 1;
        for (int d = weight.OutputAxis + 1; d < weight.Shape.Length; d++) stride *= weight.Shape[d];
        _unitStride = stride;
    }

    /// <summary>The layer's weight: name, shape, consuming node and which axis indexes output units.</summary>
    public PrunableWeight Weight { get; }

    /// <summary>The weight's initializer name.</summary>
    public string Name => Weight.Name;

    /// <summary>The current weights, flattened row-major (read only).</summary>
    public ReadOnlySpan<float> Weights => _weights;

    /// <summary>Score per weight (<see cref="PruningGranularity.Unstructured"/>) or per output unit.</summary>
    public PruningGranularity Granularity { get; }

    /// <summary>Output units (neurons or filters).</summary>
    public int Units => (int)Weight.OutputUnits;

    /// <summary>How many scores <see cref="IPruningCriterion.Score"/> returns for <see cref="Granularity"/>.</summary>
    public int ScoreCount => Granularity == PruningGranularity.Unstructured ? _weights.Length : Units;

    /// <summary>The Conv node's group count (1 for other layers).</summary>
    public int Groups { get; }

    /// <summary>Calibration statistics, when the criterion needs any.</summary>
    public LayerStatistics? Statistics { get; }

    /// <summary>Σ|w·g| and Σg² of the weights over calibration batches, when the criterion needs weight gradients.</summary>
    public GradientStatistics? WeightGradients { get; }

    /// <summary>Per output unit: Σ_batches |Σ_rows a·∂L/∂a| (in AbsWeightTimesGradient) and Σ (∂L/∂gate)², when asked.</summary>
    public GradientStatistics? ActivationGradients { get; }

    /// <summary>A seed for this layer, derived from the options' seed and the layer's position.</summary>
    public int Seed => _seed.Value;

    /// <summary>The output unit weight <paramref name="index"/> belongs to.</summary>
    public int UnitOf(long index) => (int)(index / _unitStride % Weight.Shape[Weight.OutputAxis]);

    /// <summary>
    /// The input feature (Gemm/MatMul) or input channel (Conv, group-aware) weight <paramref name="index"/> reads:
    /// the index into <see cref="LayerStatistics.InputSquaredSums"/>.
    /// </summary>
    public int InputOf(long index)
    {
        var shape = Weight.Shape;
        if (Weight.Role != PrunableWeightRole.ConvWeight)
            return (int)(Weight.OutputAxis == 0 ? index % shape[1] : index / shape[1]);
        long kernel = 1;
        for (int d = 2; d < shape.Length; d++) kernel *= shape[d];
        long channelsPerGroup = shape[1];
        int output = (int)(index / (channelsPerGroup * kernel));
        long group = output / Math.Max(1, shape[0] / Groups);
        return (int)(group * channelsPerGroup + index / kernel % channelsPerGroup);
    }

    /// <summary>Sums per-weight scores over each output unit: a unit's score is the sum of its weights' scores.</summary>
    public float[] SumPerUnit(ReadOnlySpan<float> perWeight)
    {
        var sums = new double[Units];
        for (int i = 0; i < perWeight.Length; i++) sums[UnitOf(i)] += perWeight[i];
        var result = new float[Units];
        for (int u = 0; u < result.Length; u++) result[u] = (float)sums[u];
        return result;
    }

    /// <summary>
    /// Per-weight scores as the granularity wants them: unchanged for <see cref="PruningGranularity.Unstructured"/>,
    /// summed per unit otherwise.
    /// </summary>
    public float[] ForGranularity(float[] perWeight) =>
        Granularity == PruningGranularity.Unstructured ? perWeight : SumPerUnit(perWeight);
}
