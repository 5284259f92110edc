using System;
using System.Linq;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Data;

/// <summary>The one batch builder of the training loop: inputs by name, row shapes, token padding, labels.</summary>
[TestClass]
public sealed class TrainingBatchesTests
{
    private static readonly int[] Order = [2, 0, 1];

    private static TrainingData Tokens(float[]? labels) => new(
    [
        TrainingInput.FromInt64Rows("input_ids", [5, 6, 7, 8, 9, 10], [0, 2, 3, 6]),
        TrainingInput.FromFloats("image", Enumerable.Range(0, 3 * 4).Select(i => (float)i).ToArray(), [1, 2, 2]),
    ], labels);

    [TestMethod]
    public void Build_TokenRows_ArePaddedWithZeroToTheBatchsLongestRow()
    {
        using var scope = NewDisposeScope();
        var batches = new TrainingBatches(Tokens([0, 1, 2]), ["input_ids", "image"], TrainingLoss.CrossEntropy, CPU);
        var batch = batches.Build(Order, 0, 2); // rows 2 (3 ids) and 0 (2 ids)
        var ids = batch.Inputs["input_ids"];
        Assert.AreEqual(ScalarType.Int64, ids.dtype);
        CollectionAssert.AreEqual(new long[] { 2, 3 }, ids.shape);
        CollectionAssert.AreEqual(new long[] { 8, 9, 10, 5, 6, 0 }, ids.data<long>().ToArray());
        var shorter = batches.Build(Order, 1, 2); // rows 0 and 1: the longest is 2
        CollectionAssert.AreEqual(new long[] { 2, 2 }, shorter.Inputs["input_ids"].shape);
        CollectionAssert.AreEqual(new long[] { 5, 6, 7, 0 }, shorter.Inputs["input_ids"].data<long>().ToArray());
    }

    [TestMethod]
    public void Build_FixedRowShape_IsTheBatchShapeAfterTheRows()
    {
        using var scope = NewDisposeScope();
        var batch = new TrainingBatches(Tokens([0, 1, 2]), ["image"], TrainingLoss.CrossEntropy, CPU).Build(Order, 0, 3);
        var image = batch.Inputs["image"];
        CollectionAssert.AreEqual(new long[] { 3, 1, 2, 2 }, image.shape);
        CollectionAssert.AreEqual(new float[] { 8, 9, 10, 11, 0, 1, 2, 3, 4, 5, 6, 7 }, image.data<float>().ToArray());
        Assert.AreEqual(3, batch.Rows);
        Assert.IsFalse(batch.Inputs.ContainsKey("input_ids"), "inputs the module does not need are not built");
    }

    [TestMethod]
    public void Build_Labels_AreClassIndicesForCrossEntropyAndFloatsOtherwise()
    {
        using var scope = NewDisposeScope();
        var classes = new TrainingBatches(Tokens([0, 1, 2]), ["image"], TrainingLoss.CrossEntropy, CPU).Build(Order, 0, 3).Labels!;
        Assert.AreEqual(ScalarType.Int64, classes.dtype);
        CollectionAssert.AreEqual(new long[] { 2, 0, 1 }, classes.data<long>().ToArray());
        var values = new TrainingBatches(Tokens([0.5f, 1.5f, 2.5f]), ["image"], TrainingLoss.MeanSquaredError, CPU).Build(Order, 0, 3).Labels!;
        CollectionAssert.AreEqual(new float[] { 2.5f, 0.5f, 1.5f }, values.data<float>().ToArray());
    }

    [TestMethod]
    public void Build_NoLabels_GivesNullLabels()
    {
        using var scope = NewDisposeScope();
        Assert.IsNull(new TrainingBatches(Tokens(null), ["image"], TrainingLoss.CrossEntropy, CPU).Build(Order, 0, 3).Labels);
    }

    [TestMethod]
    public void Create_UnnamedInput_FeedsTheModulesOnlyInput()
    {
        using var scope = NewDisposeScope();
        var data = new TrainingData([1f, 2f, 3f, 4f], 2, [0, 1]);
        var batch = new TrainingBatches(data, ["features"], TrainingLoss.CrossEntropy, CPU).Build([0, 1], 0, 2);
        CollectionAssert.AreEqual(new long[] { 2, 2 }, batch.Inputs["features"].shape);
    }

    [TestMethod]
    public void Create_ModuleInputWithoutData_ThrowsNamingIt()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(
            () => new TrainingBatches(Tokens(null), ["input_ids", "token_type_ids"], TrainingLoss.CrossEntropy, CPU));
        StringAssert.Contains(ex.Message, "'token_type_ids' has no data");
        StringAssert.Contains(ex.Message, "'input_ids', 'image'");
    }

    [TestMethod]
    public void TrainingData_InputsOfDifferentRowCounts_Throws()
    {
        var ex = Assert.ThrowsExactly<ArgumentException>(() => new TrainingData(
            [TrainingInput.FromFloats("a", new float[6], [2]), TrainingInput.FromFloats("b", new float[4], [2])], null));
        StringAssert.Contains(ex.Message, "Input 'b' has 2 rows; input 'a' has 3");
    }

    [TestMethod]
    public void TrainingData_FeaturesOfSeveralInputs_ThrowsNamingThem()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => _ = Tokens(null).Features);
        StringAssert.Contains(ex.Message, "'input_ids' (Int64)");
    }
}
