using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The gradient half of calibration: runs labelled calibration rows through the model on the gradient backend
/// (Microsoft.ML.Pruning.Trainers) and sums, per layer, the statistics of ∂L/∂w (taylor, fisher) and of ∂L/∂a through
/// unit gates (gsap). The weights are not changed.
/// </summary>
internal static class GradientStage
{
    /// <summary>Rows per backward pass: the batch whose mean loss is differentiated (as the PyTorch peer does).</summary>
    public const int BatchSize = 128;

    /// <summary>Per layer name: weight gradient sums, and unit (gate) gradient sums.</summary>
    public sealed record Result(IReadOnlyDictionary<string, GradientStatistics> Weights, IReadOnlyDictionary<string, GradientStatistics> Units);

    public static bool IsNeeded(CriterionNeeds needs) => (needs & (CriterionNeeds.WeightGradients | CriterionNeeds.ActivationGradients)) != 0;

    public static Result Run(IGradientBackend backend, OnnxModel model, IReadOnlyList<PrunableWeight> layers, CriterionNeeds needs,
        TrainingData data, TrainingLoss loss, string scoreOutput, MLContextServices services)
    {
        bool weights = (needs & CriterionNeeds.WeightGradients) != 0;
        var (work, gates) = (needs & CriterionNeeds.ActivationGradients) != 0
            ? LayerTensors.WithGates(model, layers)
            : (model, new Dictionary<string, string>());
        string trainOutput = TrainingGraph.TrainableOutput(work, scoreOutput, loss);
        using var training = backend.Open(work, trainOutput, services.GpuDeviceId, services.FallbackToCpu);
        var available = new HashSet<string>(training.ParameterNames, StringComparer.Ordinal);
        var names = (weights ? layers.Select(l => l.Name) : []).Concat(gates.Values).Where(available.Contains).ToList();
        var sums = training.AccumulateGradients(data, loss, BatchSize, names, new TrainingHooks { IsCanceled = services.IsCanceled });
        var byWeight = new Dictionary<string, GradientStatistics>(StringComparer.Ordinal);
        var byUnit = new Dictionary<string, GradientStatistics>(StringComparer.Ordinal);
        foreach (var layer in layers)
        {
            // A layer with no path to the trained output gets zero sums: the loss does not depend on it.
            if (weights)
                byWeight[layer.Name] = sums.TryGetValue(layer.Name, out var w) ? w : Zero(layer.ParameterCount);
            if (gates.TryGetValue(layer.Name, out string? gate))
                byUnit[layer.Name] = sums.TryGetValue(gate, out var g) ? g : Zero(layer.OutputUnits);
        }
        return new Result(byWeight, byUnit);
    }

    private static GradientStatistics Zero(long count) => new(new float[count], new float[count], 0);
}
