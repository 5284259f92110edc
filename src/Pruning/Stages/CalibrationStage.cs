using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// The <em>calibrate</em> stage: runs the model in ONNX Runtime on the first rows of the data, batch by batch, and
/// hands each prunable layer's input X and unit output to that layer's accumulator, which keeps only the sums the
/// criterion asked for. No TorchSharp, no labels.
/// </summary>
internal static class CalibrationStage
{
    private const CriterionNeeds Observed = CriterionNeeds.InputNorms | CriterionNeeds.UnitActivations | CriterionNeeds.UnitSamples | CriterionNeeds.UnitCorrelation;

    /// <summary>
    /// What one pass observed: statistics per layer name, the rows read, and when asked G = XᵀX per Gemm/MatMul layer name
    /// (<paramref name="Grams"/>), per Conv layer name one G per group over its input's patches (<paramref name="ConvGrams"/>),
    /// and with a reference model C = XᵀX_d and D = X_dᵀX_d per Gemm/MatMul layer whose input differs from the reference's
    /// (not a graph input; <paramref name="Cross"/>).
    /// </summary>
    public sealed record Result(IReadOnlyDictionary<string, LayerStatistics> Layers, int Rows, IReadOnlyDictionary<string, GramMatrix>? Grams = null,
        IReadOnlyDictionary<string, ConvGram>? ConvGrams = null, IReadOnlyDictionary<string, CrossGram>? Cross = null);

    /// <summary>Whether <paramref name="needs"/> asks for anything this stage computes.</summary>
    public static bool IsNeeded(CriterionNeeds needs) => (needs & Observed) != 0;

    /// <summary>Observes <paramref name="layers"/> of <paramref name="model"/> on up to <paramref name="rows"/> rows of <paramref name="batches"/>' data.</summary>
    /// <param name="model">The model run (not modified).</param>
    /// <param name="layers">The layers observed.</param>
    /// <param name="needs">What the criterion asked for.</param>
    /// <param name="batches">How the data's columns feed the model's inputs.</param>
    /// <param name="data">The calibration data; its first rows are read.</param>
    /// <param name="rows">At most this many rows.</param>
    /// <param name="gram">Also accumulate each layer's G = XᵀX (in doubles, streamed: layer reconstruction); for a Conv layer, one per group over im2col patches.</param>
    /// <param name="convPositions">With <paramref name="gram"/>, which output positions of a Conv layer give patches (default: all).</param>
    /// <param name="reference">
    /// With <paramref name="gram"/>: the dense model, same graph with other weights, run on the same rows, so each Gemm/MatMul
    /// layer also gets C = XᵀX_d and D = X_dᵀX_d of its input X_d there (sequential reconstruction fits the dense output).
    /// </param>
    /// <param name="paddingMaskInput">
    /// With <paramref name="gram"/>: an INT64 model input [batch, sequence] whose 0 marks padding (a BERT export's
    /// attention_mask); token positions it marks are left out of a Gemm/MatMul layer's X when X is [batch, sequence, features].
    /// </param>
    public static Result Run(OnnxModel model, IReadOnlyList<PrunableWeight> layers, CriterionNeeds needs, ModelInputBatches batches, IDataView data, int rows,
        bool gram = false, ConvPositionSampler? convPositions = null, OnnxModel? reference = null, string? paddingMaskInput = null)
    {
        if (reference is not null && !gram) throw new ArgumentException("A reference model is only used with gram: true.", nameof(reference));
        bool IsConv(PrunableWeight w) => w.Role == PrunableWeightRole.ConvWeight;
        var plans = layers.Select(w => new Plan(w,
            LayerTensors.Input(model, w), LayerTensors.UnitOutput(model, w),
            new LayerStatisticsAccumulator(w.Name, (int)w.OutputUnits, needs & Observed),
            gram && !IsConv(w) ? new GramAccumulator(w.Name) : null,
            gram && IsConv(w) ? new ConvGramAccumulator(ConvGeometry.Read(model, w), convPositions ?? ConvPositionSampler.All) : null)).ToList();
        var graphInputs = new HashSet<string>(batches.Names, StringComparer.Ordinal);
        var fetched = plans
            .SelectMany(p => new[] { p.Accumulator.NeedsInput || p.Gram is not null || p.ConvGram is not null ? p.InputTensor : null, p.Accumulator.NeedsUnits ? p.UnitTensor : null })
            .OfType<string>().Where(t => !graphInputs.Contains(t)).Distinct(StringComparer.Ordinal).ToArray();

        using var options = ModelProbe.QuietOptions();
        using var inference = new InferenceSession(WithOutputs(model, fetched).ToBytes(), options);
        using var referenceInference = reference is null || fetched.Length == 0 ? null : new InferenceSession(WithOutputs(reference, fetched).ToBytes(), options);
        using var run = new RunOptions();
        string[] inputNames = [.. batches.Names];
        int seen = 0;
        foreach (var batch in batches.Read(data, rows))
        {
            var inputs = batch.ToOrtValues();
            try
            {
                // Nothing to fetch when every observed tensor is a graph input (a first layer reading the features).
                using var outputs = fetched.Length == 0 ? null : ModelProbe.Run(inference, run, inputNames, inputs, fetched, batches.Columns, batch);
                using var referenceOutputs = referenceInference?.Run(run, inputNames, inputs, fetched);
                var byName = new Dictionary<string, (float[] Values, long[] Shape)>(StringComparer.Ordinal);
                bool[]? padding = null; // true: a real token (kept in X)
                if (gram && paddingMaskInput is not null && Array.IndexOf(inputNames, paddingMaskInput) is int maskAt and >= 0
                    && batch.Values[maskAt] is long[] mask && batch.Shapes[maskAt].Length == 2 && mask.Any(v => v == 0))
                    padding = Array.ConvertAll(mask, v => v != 0);
                for (int i = 0; i < inputNames.Length; i++)
                    if (batch.Values[i] is float[] floats) byName[inputNames[i]] = (floats, batch.Shapes[i]);
                foreach (var plan in plans)
                {
                    if (plan.Gram is not null)
                    {
                        var (x, shape) = Tensor(plan.InputTensor, byName, outputs, fetched);
                        int axis = LayerTensors.InputAxis(model, plan.Weight, shape.Length);
                        bool[]? tokens = padding is not null && shape.Length == 3 && axis == 2 && shape[0] * shape[1] == padding.Length ? padding : null;
                        if (referenceOutputs is not null && Array.IndexOf(fetched, plan.InputTensor) is int at and >= 0)
                        {
                            float[] dense = referenceOutputs[at].GetTensorDataAsSpan<float>().ToArray();
                            plan.Gram.Add(Tokens(x, shape, tokens, out var kept), Tokens(dense, shape, tokens, out _), kept, tokens is null ? axis : 1, plan.InputTensor, seen);
                        }
                        else
                        {
                            plan.Gram.Add(Tokens(x, shape, tokens, out var kept), kept, tokens is null ? axis : 1, plan.InputTensor, seen);
                        }
                    }
                    if (plan.ConvGram is not null)
                    {
                        var (x, shape) = Tensor(plan.InputTensor, byName, outputs, fetched);
                        plan.ConvGram.Add(x, shape, plan.InputTensor, seen);
                    }
                    if (plan.Accumulator.NeedsInput)
                    {
                        var (x, shape) = Tensor(plan.InputTensor, byName, outputs, fetched);
                        plan.Accumulator.AddInput(x, shape, LayerTensors.InputAxis(model, plan.Weight, shape.Length), plan.InputTensor, seen);
                        plan.Accumulator.CountRows(batch.Rows);
                    }
                    if (plan.Accumulator.NeedsUnits)
                    {
                        var (a, shape) = Tensor(plan.UnitTensor, byName, outputs, fetched);
                        plan.Accumulator.AddUnits(a, shape, LayerTensors.UnitAxis(plan.Weight, shape.Length), plan.UnitTensor, seen);
                    }
                }
            }
            finally
            {
                foreach (var input in inputs) input.Dispose();
            }
            seen += batch.Rows;
        }
        var grams = gram
            ? plans.Where(p => p.Gram is not null).Select(p => (p.Weight.Name, Matrix: p.Gram!.Build())).Where(g => g.Matrix is not null)
                .ToDictionary(g => g.Name, g => g.Matrix!, StringComparer.Ordinal)
            : null;
        var convGrams = gram
            ? plans.Where(p => p.ConvGram is not null).Select(p => (p.Weight.Name, Matrices: p.ConvGram!.Build())).Where(g => g.Matrices is not null)
                .ToDictionary(g => g.Name, g => g.Matrices!, StringComparer.Ordinal)
            : null;
        var cross = reference is null ? null
            : plans.Where(p => p.Gram is not null).Select(p => (p.Weight.Name, Matrix: p.Gram!.BuildCross())).Where(g => g.Matrix is not null)
                .ToDictionary(g => g.Name, g => g.Matrix!, StringComparer.Ordinal);
        return new Result(plans.ToDictionary(p => p.Weight.Name, p => p.Accumulator.Build(), StringComparer.Ordinal), seen, grams, convGrams, cross);
    }

    /// <summary>
    /// The rows of a [batch, sequence, features] tensor at real tokens (<paramref name="tokens"/> true), as [kept, features];
    /// the tensor itself when there is no mask.
    /// </summary>
    private static float[] Tokens(float[] x, long[] shape, bool[]? tokens, out long[] keptShape)
    {
        if (tokens is null)
        {
            keptShape = shape;
            return x;
        }
        int features = (int)shape[2];
        int kept = tokens.Count(t => t);
        var result = new float[(long)kept * features];
        int to = 0;
        for (int position = 0; position < tokens.Length; position++)
        {
            if (!tokens[position]) continue;
            Array.Copy(x, (long)position * features, result, (long)to * features, features);
            to++;
        }
        keptShape = [kept, features];
        return result;
    }

    /// <summary>A copy of <paramref name="model"/> that also outputs <paramref name="tensors"/> (FLOAT).</summary>
    private static OnnxModel WithOutputs(OnnxModel model, string[] tensors)
    {
        var session = model.Clone();
        foreach (string tensor in tensors)
        {
            if (session.IsGraphOutput(tensor)) continue;
            session.Graph.Output.Add(new ValueInfoProto
            {
                Name = tensor,
                Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float } },
            });
        }
        return session;
    }

    private static (float[] Values, long[] Shape) Tensor(string name, Dictionary<string, (float[] Values, long[] Shape)> inputs,
        IReadOnlyList<OrtValue>? outputs, string[] fetched)
    {
        if (inputs.TryGetValue(name, out var input)) return input;
        var value = outputs![Array.IndexOf(fetched, name)];
        var result = (value.GetTensorDataAsSpan<float>().ToArray(), value.GetTensorTypeAndShape().Shape);
        inputs[name] = result;
        return result;
    }

    private sealed record Plan(PrunableWeight Weight, string InputTensor, string UnitTensor, LayerStatisticsAccumulator Accumulator, GramAccumulator? Gram,
        ConvGramAccumulator? ConvGram);
}
