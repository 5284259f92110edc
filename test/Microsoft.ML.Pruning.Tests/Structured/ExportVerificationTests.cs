using System;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static Microsoft.ML.Pruning.Tests.Engine.TestGraphs;

namespace Microsoft.ML.Pruning.Tests.Structured;

[TestClass]
public sealed class ExportVerificationTests
{
    private const int Inputs = 8;

    [TestMethod]
    public void Verify_IdenticalModels_PassesWithZeroDifferenceOnEveryRow()
    {
        var model = Perceptron([Inputs, 6, 4, 3], seed: 1);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 10, batchSize: 4, seed: 5);

        var result = ExportVerification.Verify(model.ToBytes(), model, ["input"], batches);

        Assert.AreEqual(10, result.Rows);
        Assert.AreEqual(0.0, result.MaxAbsDifference);
        Assert.AreEqual(0.0, result.MaxRelativeDifference);
        var output = result.PerOutput.Single();
        Assert.AreEqual("z3", output.Output);
        Assert.AreEqual(30L, output.Elements);
        Assert.IsGreaterThan(0.0, output.MaxAbsPruned);
        Assert.IsNull(output.KeptAxis);
    }

    [TestMethod]
    public void Verify_OneWeightChanged_ThrowsNamingOutputRowAndValues()
    {
        var masked = Perceptron([Inputs, 6, 4, 3], seed: 1);
        var written = masked.Clone();
        var weight = written.GetInitializer("fc3.weight");
        var values = OnnxTensor.ToFloatArray(weight);
        values[5] += 0.5f;
        OnnxTensor.SetFloats(weight, values);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 10, batchSize: 4, seed: 5);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches));

        StringAssert.Contains(ex.Message, "does not compute what the pruned model computes");
        StringAssert.Contains(ex.Message, "output 'z3'");
        StringAssert.Contains(ex.Message, "at row ");
        StringAssert.Contains(ex.Message, "in the written file and");
    }

    [TestMethod]
    public void Verify_HiddenNeuronsPhysicallyRemoved_MatchesMaskedModel()
    {
        // Masked: hidden neurons 1 and 4 of fc1 zeroed (rows and bias) and fc2's columns that read them zeroed.
        // Written: the same model with those neurons gone (fc1 [4, 8], fc2 [4, 4]).
        int[] kept = [0, 2, 3, 5];
        var masked = Perceptron([Inputs, 6, 4, 3], seed: 1);
        var written = masked.Clone();
        ZeroRows(masked, "fc1.weight", "fc1.bias", [1, 4], Inputs);
        ZeroColumns(masked, "fc2.weight", [1, 4], rows: 4, columns: 6);
        KeepRows(written, "fc1.weight", "fc1.bias", kept, Inputs);
        KeepColumns(written, "fc2.weight", kept, rows: 4, columns: 6);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 12, batchSize: 5, seed: 9);

        var result = ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches);

        Assert.AreEqual(12, result.Rows);
        Assert.IsLessThanOrEqualTo(1e-6, result.MaxRelativeDifference);
    }

    [TestMethod]
    public void Verify_OutputWidthChangedWithKeptColumns_ComparesKeptColumns()
    {
        // The output layer's units 0 and 3 removed: masked zeroes them, written drops them; the map says which columns stayed.
        int[] kept = [1, 2, 4];
        var (masked, written) = OutputUnitsRemoved(kept);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 9, batchSize: 4, seed: 2);

        var result = ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches,
            new System.Collections.Generic.Dictionary<string, int[]> { ["z2"] = kept });

        var output = result.PerOutput.Single();
        Assert.AreEqual(1, output.KeptAxis);
        Assert.AreEqual(3, output.KeptColumns);
        Assert.AreEqual(27L, output.Elements);
        Assert.IsLessThanOrEqualTo(1e-6, result.MaxRelativeDifference);
    }

    [TestMethod]
    public void Verify_KeptColumnsWrong_ThrowsNamingOutput()
    {
        var (masked, written) = OutputUnitsRemoved([1, 2, 4]);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 4, batchSize: 4, seed: 2);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches,
            new System.Collections.Generic.Dictionary<string, int[]> { ["z2"] = [0, 1, 2] }));

        StringAssert.Contains(ex.Message, "output 'z2'");
        StringAssert.Contains(ex.Message, "in the pruned model)"); // the pruned position of the kept column
    }

    [TestMethod]
    public void Verify_OutputWidthChangedWithoutMap_ThrowsGivingBothShapes()
    {
        var (masked, written) = OutputUnitsRemoved([1, 2, 4]);
        var batches = StructuredTestModels.FloatBatches(Inputs, rows: 4, batchSize: 4, seed: 2);

        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches));

        StringAssert.Contains(ex.Message, "'z2'");
        StringAssert.Contains(ex.Message, "[4, 3] in the written file and [4, 5] in the pruned model");
    }

    [TestMethod]
    public void Verify_ConvFiltersRemovedAtOutput_ComparesKeptChannelsOfEveryPixel()
    {
        // Conv(3 → 4 filters) as the graph output [N, 4, 8, 8]: filters 1 and 2 removed, channels 0 and 3 kept along axis 1.
        int[] kept = [0, 3];
        var masked = BuildModel(13, [Node("Conv", ["input", "W", "B"], ["Y"], "conv", Attr("kernel_shape", [3L, 3L]), Attr("pads", [1L, 1L, 1L, 1L]))],
            [Floats("W", [4, 3, 3, 3], 7), Floats("B", [4], 8, 0.1f)], ["input"], ["Y"]);
        var written = masked.Clone();
        ZeroRows(masked, "W", "B", [1, 2], 27);
        KeepRows(written, "W", "B", kept, 27);
        var random = new Random(3);
        var images = Enumerable.Range(0, 2 * 3 * 64).Select(_ => (float)random.NextDouble()).ToArray();
        var batches = new[] { new Stages.ModelInputBatch([images], [[2, 3, 8, 8]], 2) };

        var result = ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches, new System.Collections.Generic.Dictionary<string, int[]> { ["Y"] = kept });

        var output = result.PerOutput.Single();
        Assert.AreEqual(1, output.KeptAxis);
        Assert.AreEqual(2L * 2 * 64, output.Elements);
        Assert.IsLessThanOrEqualTo(1e-6, result.MaxRelativeDifference);
        // The same files with the channels swapped in the map disagree at a pixel, named in both layouts.
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ExportVerification.Verify(written.ToBytes(), masked, ["input"], batches,
            new System.Collections.Generic.Dictionary<string, int[]> { ["Y"] = [1, 3] }));
        StringAssert.Contains(ex.Message, "output 'Y' at row ");
        StringAssert.Contains(ex.Message, "in the pruned model)");
    }

    /// <summary>Gemm → Relu → Gemm(5 units) with units not in <paramref name="kept"/> zeroed (masked) or removed (written).</summary>
    private static (OnnxModel Masked, OnnxModel Written) OutputUnitsRemoved(int[] kept)
    {
        var masked = Perceptron([Inputs, 6, 5], seed: 4);
        var written = masked.Clone();
        ZeroRows(masked, "fc2.weight", "fc2.bias", [.. Enumerable.Range(0, 5).Except(kept)], 6);
        KeepRows(written, "fc2.weight", "fc2.bias", kept, 6);
        return (masked, written);
    }

    private static void ZeroRows(OnnxModel model, string weight, string bias, int[] rows, int columns)
    {
        var w = OnnxTensor.ToFloatArray(model.GetInitializer(weight));
        var b = OnnxTensor.ToFloatArray(model.GetInitializer(bias));
        foreach (int r in rows)
        {
            Array.Clear(w, r * columns, columns);
            b[r] = 0;
        }
        OnnxTensor.SetFloats(model.GetInitializer(weight), w);
        OnnxTensor.SetFloats(model.GetInitializer(bias), b);
    }

    private static void ZeroColumns(OnnxModel model, string weight, int[] zeroed, int rows, int columns)
    {
        var w = OnnxTensor.ToFloatArray(model.GetInitializer(weight));
        for (int r = 0; r < rows; r++)
            foreach (int c in zeroed) w[r * columns + c] = 0;
        OnnxTensor.SetFloats(model.GetInitializer(weight), w);
    }

    /// <summary>Keeps the rows (axis 0 entries) <paramref name="kept"/> of a weight of <paramref name="columns"/> elements per row, and of its bias.</summary>
    private static void KeepRows(OnnxModel model, string weight, string bias, int[] kept, int columns)
    {
        var tensor = model.GetInitializer(weight);
        var w = OnnxTensor.ToFloatArray(tensor);
        var b = OnnxTensor.ToFloatArray(model.GetInitializer(bias));
        var keptW = kept.SelectMany(r => w.Skip(r * columns).Take(columns)).ToArray();
        long[] dims = [kept.Length, .. tensor.Dims.Skip(1)];
        model.ReplaceInitializer(weight, OnnxTensor.FromFloats(weight, keptW, dims));
        model.ReplaceInitializer(bias, OnnxTensor.FromFloats(bias, kept.Select(r => b[r]).ToArray(), [kept.Length]));
    }

    private static void KeepColumns(OnnxModel model, string weight, int[] kept, int rows, int columns)
    {
        var w = OnnxTensor.ToFloatArray(model.GetInitializer(weight));
        var keptW = Enumerable.Range(0, rows).SelectMany(r => kept.Select(c => w[r * columns + c])).ToArray();
        model.ReplaceInitializer(weight, OnnxTensor.FromFloats(weight, keptW, [rows, kept.Length]));
    }
}
