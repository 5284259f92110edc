using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Numerics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Stages;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// Proves a written structurally pruned file computes what the pruned (masked) model computes: both run in ONNX Runtime
/// on the same batches (the calibration rows: <c>ModelInputBatches.Read</c>), and every graph output of the masked model
/// is compared element by element with the written file's output of the same name. An output whose width removal changed
/// (a group that reached a graph output) is compared on its kept indices along the one axis whose length differs.
/// </summary>
internal static class ExportVerification
{
    /// <summary>The default tolerance: relative to each output's largest |pruned| value.</summary>
    public const double DefaultTolerance = 1e-4;

    /// <summary>Runs both models on <paramref name="batches"/> and compares their outputs.</summary>
    /// <param name="writtenModel">The bytes of the file written (physically smaller).</param>
    /// <param name="maskedModel">The pruned model in memory, same shapes as before pruning, removed channels zeroed (not modified).</param>
    /// <param name="inputNames">The model inputs the batches' arrays feed, in their order (<c>ModelInputBatches.Names</c>).</param>
    /// <param name="batches">The rows (<c>ModelInputBatches.Read(data, rows)</c>; each batch's Values/Shapes follow <paramref name="inputNames"/>).</param>
    /// <param name="outputColumnMap">
    /// For outputs whose width removal changed: output name → the masked output's indices the written output kept, in
    /// order, along the one axis whose length differs between the two (axis 1 of [N, C, H, W] or [N, F]; the last axis of
    /// [B, S, F]). Null or missing entries: the output must keep its shape.
    /// </param>
    /// <param name="tolerance">An element fails when |written − pruned| > tolerance × the output's largest |pruned| value over all rows.</param>
    /// <exception cref="InvalidOperationException">
    /// The written file does not compute what the pruned model computes (the message names the output, the row, the position
    /// and both values), lacks an output, or gives an output of another shape or type; or ONNX Runtime cannot run a model.
    /// </exception>
    /// <exception cref="ArgumentException">A map entry names no output, or its indices are not increasing indices of the masked output's axis.</exception>
    public static VerificationResult Verify(byte[] writtenModel, OnnxModel maskedModel, IReadOnlyList<string> inputNames, IEnumerable<ModelInputBatch> batches,
        IReadOnlyDictionary<string, int[]>? outputColumnMap = null, double tolerance = DefaultTolerance)
    {
        ArgumentNullException.ThrowIfNull(writtenModel);
        ArgumentNullException.ThrowIfNull(maskedModel);
        ArgumentNullException.ThrowIfNull(inputNames);
        ArgumentNullException.ThrowIfNull(batches);
        if (!double.IsFinite(tolerance) || tolerance <= 0) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be a positive finite number.");

        using var options = ModelProbe.QuietOptions();
        using var masked = new InferenceSession(maskedModel.ToBytes(), options);
        using var written = new InferenceSession(writtenModel, options);
        string[] outputs = [.. masked.OutputMetadata.Keys];
        foreach (string output in outputs)
            if (!written.OutputMetadata.ContainsKey(output))
                throw new InvalidOperationException($"The written file has no output '{output}'; the pruned model does. The written file does not compute what the pruned model computes.");
        if (outputColumnMap is not null)
            foreach (string output in outputColumnMap.Keys)
                if (!masked.OutputMetadata.ContainsKey(output))
                    throw new ArgumentException($"The output column map names '{output}', which is not an output of the pruned model ({string.Join(", ", outputs)}).", nameof(outputColumnMap));

        var tallies = outputs.Select(o => new Tally(o)).ToArray();
        string[] names = [.. inputNames];
        using var run = new RunOptions();
        int rows = 0;
        foreach (var batch in batches)
        {
            var inputs = batch.ToOrtValues();
            try
            {
                using var maskedOutputs = Run(masked, "pruned model", run, names, inputs, outputs, batch);
                using var writtenOutputs = Run(written, "written file", run, names, inputs, outputs, batch);
                for (int o = 0; o < outputs.Length; o++)
                {
                    int[]? kept = outputColumnMap is not null && outputColumnMap.TryGetValue(outputs[o], out var k) ? k : null;
                    Compare(tallies[o], writtenOutputs[o], maskedOutputs[o], kept, rows);
                }
            }
            finally
            {
                foreach (var input in inputs) input.Dispose();
            }
            rows += batch.Rows;
        }

        foreach (var tally in tallies)
        {
            if (tally.Worst is { } worst && worst.Difference > tolerance * tally.MaxAbsPruned)
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"The written file does not compute what the pruned model computes: output '{tally.Output}' at row {worst.Row}, position [{string.Join(", ", worst.Position)}]{worst.PrunedPosition}, is {worst.Written:R} in the written file and {worst.Pruned:R} in the pruned model (difference {worst.Difference:G3} > tolerance {tolerance:G3} × {tally.MaxAbsPruned:G3}, the output's largest |value|)."));
        }
        var perOutput = tallies.Select(t => new OutputDifference(t.Output, t.MaxAbsDifference, t.MaxAbsPruned,
            t.MaxAbsDifference == 0 ? 0 : t.MaxAbsDifference / t.MaxAbsPruned, t.Elements, t.KeptAxis, t.KeptColumns)).ToArray();
        return new VerificationResult(perOutput.Select(p => p.MaxAbsDifference).DefaultIfEmpty(0).Max(),
            perOutput.Select(p => p.MaxRelativeDifference).DefaultIfEmpty(0).Max(), rows, perOutput);
    }

    private static IDisposableReadOnlyCollection<OrtValue> Run(InferenceSession session, string which, RunOptions run, string[] names, OrtValue[] inputs,
        string[] outputs, ModelInputBatch batch)
    {
        try
        {
            return session.Run(run, names, inputs, outputs);
        }
        catch (OnnxRuntimeException ex)
        {
            string fed = string.Join("; ", names.Select((n, i) => $"'{n}' [{string.Join(", ", batch.Shapes[i])}]"));
            throw new InvalidOperationException($"ONNX Runtime cannot run the {which} on inputs {fed} to verify the export. ONNX Runtime says: {ex.Message}", ex);
        }
    }

    /// <summary>Compares one batch of one output and adds it to <paramref name="tally"/>.</summary>
    private static void Compare(Tally tally, OrtValue written, OrtValue masked, int[]? kept, int rowsBefore)
    {
        if (!written.IsTensor || !masked.IsTensor)
            throw new InvalidOperationException($"Output '{tally.Output}' is not a tensor; the export is verified on tensor outputs only.");
        var writtenInfo = written.GetTensorTypeAndShape();
        var maskedInfo = masked.GetTensorTypeAndShape();
        if (writtenInfo.ElementDataType != maskedInfo.ElementDataType)
            throw new InvalidOperationException($"Output '{tally.Output}' is {writtenInfo.ElementDataType} in the written file and {maskedInfo.ElementDataType} in the pruned model.");
        var layout = Layout.Of(tally.Output, writtenInfo.Shape, maskedInfo.Shape, kept);
        tally.KeptAxis ??= layout.Axis;
        tally.KeptColumns ??= layout.Axis is int a ? (int)writtenInfo.Shape[a] : null;
        switch (writtenInfo.ElementDataType)
        {
            case TensorElementType.Float: Compare(tally, written.GetTensorDataAsSpan<float>(), masked.GetTensorDataAsSpan<float>(), layout, rowsBefore); break;
            case TensorElementType.Double: Compare(tally, written.GetTensorDataAsSpan<double>(), masked.GetTensorDataAsSpan<double>(), layout, rowsBefore); break;
            case TensorElementType.Int64: Compare(tally, written.GetTensorDataAsSpan<long>(), masked.GetTensorDataAsSpan<long>(), layout, rowsBefore); break;
            case TensorElementType.Int32: Compare(tally, written.GetTensorDataAsSpan<int>(), masked.GetTensorDataAsSpan<int>(), layout, rowsBefore); break;
            case TensorElementType.UInt32: Compare(tally, written.GetTensorDataAsSpan<uint>(), masked.GetTensorDataAsSpan<uint>(), layout, rowsBefore); break;
            case TensorElementType.UInt64: Compare(tally, written.GetTensorDataAsSpan<ulong>(), masked.GetTensorDataAsSpan<ulong>(), layout, rowsBefore); break;
            case TensorElementType.Int16: Compare(tally, written.GetTensorDataAsSpan<short>(), masked.GetTensorDataAsSpan<short>(), layout, rowsBefore); break;
            case TensorElementType.UInt16: Compare(tally, written.GetTensorDataAsSpan<ushort>(), masked.GetTensorDataAsSpan<ushort>(), layout, rowsBefore); break;
            case TensorElementType.Int8: Compare(tally, written.GetTensorDataAsSpan<sbyte>(), masked.GetTensorDataAsSpan<sbyte>(), layout, rowsBefore); break;
            case TensorElementType.UInt8: Compare(tally, written.GetTensorDataAsSpan<byte>(), masked.GetTensorDataAsSpan<byte>(), layout, rowsBefore); break;
            case TensorElementType.Bool:
                byte[] w = Array.ConvertAll(written.GetTensorDataAsSpan<bool>().ToArray(), b => b ? (byte)1 : (byte)0);
                byte[] m = Array.ConvertAll(masked.GetTensorDataAsSpan<bool>().ToArray(), b => b ? (byte)1 : (byte)0);
                Compare(tally, w, m, layout, rowsBefore);
                break;
            default:
                throw new InvalidOperationException($"Output '{tally.Output}' is {writtenInfo.ElementDataType}; the export is verified on float, integer and BOOL outputs.");
        }
    }

    private static void Compare<T>(Tally tally, ReadOnlySpan<T> written, ReadOnlySpan<T> masked, Layout layout, int rowsBefore) where T : INumberBase<T>
    {
        // written is [outer, keptLength, inner]; masked is [outer, fullLength, inner]; kept maps the middle axis.
        for (long outer = 0; outer < layout.Outer; outer++)
        {
            for (int c = 0; c < layout.WrittenLength; c++)
            {
                long writtenStart = (outer * layout.WrittenLength + c) * layout.Inner;
                long maskedStart = (outer * layout.MaskedLength + (layout.Kept is null ? c : layout.Kept[c])) * layout.Inner;
                for (long i = 0; i < layout.Inner; i++)
                {
                    double w = double.CreateTruncating(written[(int)(writtenStart + i)]);
                    double m = double.CreateTruncating(masked[(int)(maskedStart + i)]);
                    double difference = w == m || (double.IsNaN(w) && double.IsNaN(m)) ? 0 : Math.Abs(w - m);
                    if (double.IsNaN(difference)) difference = double.PositiveInfinity; // NaN against a number, or ∞ against ∞ of the other sign
                    if (double.IsFinite(m)) tally.MaxAbsPruned = Math.Max(tally.MaxAbsPruned, Math.Abs(m));
                    if (difference > tally.MaxAbsDifference)
                    {
                        tally.MaxAbsDifference = difference;
                        tally.Worst = layout.Describe(writtenStart + i, c, rowsBefore, w, m, difference);
                    }
                }
            }
        }
        tally.Elements += (long)layout.Outer * layout.WrittenLength * layout.Inner;
    }

    /// <summary>The running comparison of one output.</summary>
    private sealed class Tally(string output)
    {
        public string Output { get; } = output;
        public double MaxAbsDifference { get; set; }
        public double MaxAbsPruned { get; set; }
        public long Elements { get; set; }
        public int? KeptAxis { get; set; }
        public int? KeptColumns { get; set; }
        public Mismatch? Worst { get; set; }
    }

    /// <summary>The worst element so far: where, and both values.</summary>
    private sealed record Mismatch(long Row, long[] Position, string PrunedPosition, double Written, double Pruned, double Difference);

    /// <summary>How a written output's elements map to the masked output's: [outer, axis, inner] with the axis reindexed by the kept indices.</summary>
    private sealed record Layout(long Outer, int WrittenLength, int MaskedLength, long Inner, int? Axis, int[]? Kept, long[] WrittenShape)
    {
        public static Layout Of(string output, long[] written, long[] masked, int[]? kept)
        {
            string Shapes() => $"[{string.Join(", ", written)}] in the written file and [{string.Join(", ", masked)}] in the pruned model";
            if (written.Length != masked.Length)
                throw new InvalidOperationException($"Output '{output}' is {Shapes()}: the ranks differ.");
            var differing = Enumerable.Range(0, written.Length).Where(a => written[a] != masked[a]).ToArray();
            if (differing.Length == 0)
            {
                if (kept is not null && kept.Length != 0 && !kept.Select((k, i) => k == i).All(same => same))
                    throw new ArgumentException($"Output '{output}' keeps its shape {Shapes()}, but its kept indices are not all of them in order.", "outputColumnMap");
                return new Layout(1, 1, 1, written.Aggregate(1L, (p, d) => p * d), null, null, written);
            }
            if (kept is null)
                throw new InvalidOperationException($"Output '{output}' is {Shapes()}; removal changed its width but no kept columns were given for it.");
            if (differing.Length > 1)
                throw new InvalidOperationException($"Output '{output}' is {Shapes()}: more than one axis changed length.");
            int axis = differing[0];
            if (kept.Length != written[axis])
                throw new ArgumentException($"Output '{output}' is {Shapes()}, but {kept.Length} kept indices were given for axis {axis}.", "outputColumnMap");
            for (int i = 0; i < kept.Length; i++)
                if (kept[i] < 0 || kept[i] >= masked[axis] || (i > 0 && kept[i] <= kept[i - 1]))
                    throw new ArgumentException($"The kept indices of output '{output}' must increase within [0, {masked[axis]}); entry {i} is {kept[i]}.", "outputColumnMap");
            long outer = written.Take(axis).Aggregate(1L, (p, d) => p * d);
            long inner = written.Skip(axis + 1).Aggregate(1L, (p, d) => p * d);
            return new Layout(outer, (int)written[axis], (int)masked[axis], inner, axis, kept, written);
        }

        /// <summary>The mismatch at flat index <paramref name="flat"/> of the written output (<paramref name="column"/> along the kept axis).</summary>
        public Mismatch Describe(long flat, int column, int rowsBefore, double written, double pruned, double difference)
        {
            var position = new long[WrittenShape.Length];
            long rest = flat;
            for (int a = WrittenShape.Length - 1; a >= 0; a--)
            {
                position[a] = WrittenShape[a] == 0 ? 0 : rest % WrittenShape[a];
                rest = WrittenShape[a] == 0 ? 0 : rest / WrittenShape[a];
            }
            long row = position.Length == 0 ? rowsBefore : rowsBefore + position[0];
            string prunedPosition = "";
            if (Axis is int axis && Kept is not null)
            {
                var mapped = (long[])position.Clone();
                mapped[axis] = Kept[column];
                prunedPosition = $" (position [{string.Join(", ", mapped)}] in the pruned model)";
            }
            return new Mismatch(row, position, prunedPosition, written, pruned, difference);
        }
    }
}
