using System;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class SparseMlpTrainerTests
{
    private static SparseMlpOptions Small(double targetSparsity = 0, int epochs = 15) => new()
    {
        HiddenLayers = [16], Epochs = epochs, BatchSize = 32, LearningRate = 0.01, Sparsity = targetSparsity, PruningFrequency = 5,
    };

    [TestMethod]
    public void SparseMlp_Multiclass_WorkoutAndEvaluate()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var bad = ml.Data.LoadFromEnumerable(new[] { new { Other = 1f } });
        var model = EstimatorWorkout.Run(ml, ml.MulticlassClassification.Trainers.SparseMlp(Small()), data, ["Score", "PredictedLabel"],
            bad, typeof(ArgumentOutOfRangeException));
        var scored = model.Transform(TestData.Multiclass(ml, 150, seed: 2));
        Assert.AreEqual("Vector<Single, 3>", scored.Schema["Score"].Type.ToString());
        Assert.IsInstanceOfType<KeyDataViewType>(scored.Schema["PredictedLabel"].Type);
        var metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.IsTrue(metrics.MicroAccuracy > 0.95, $"accuracy {metrics.MicroAccuracy}");
    }

    [TestMethod]
    public void SparseMlp_Binary_WorkoutAndEvaluate()
    {
        var ml = new MLContext(1);
        var model = EstimatorWorkout.Run(ml, ml.BinaryClassification.Trainers.SparseMlp(Small()), TestData.Binary(ml),
            ["Score", "Probability", "PredictedLabel"]);
        var metrics = ml.BinaryClassification.Evaluate(model.Transform(TestData.Binary(ml, 150, seed: 2)));
        Assert.IsTrue(metrics.Accuracy > 0.95, $"accuracy {metrics.Accuracy}");
    }

    [TestMethod]
    public void SparseMlp_Regression_WorkoutAndEvaluate()
    {
        var ml = new MLContext(1);
        var model = EstimatorWorkout.Run(ml, ml.Regression.Trainers.SparseMlp(Small(epochs: 40)), TestData.Regression(ml), ["Score"]);
        var metrics = ml.Regression.Evaluate(model.Transform(TestData.Regression(ml, 150, seed: 2)));
        Assert.IsTrue(metrics.RSquared > 0.9, $"R² {metrics.RSquared}");
    }

    [TestMethod]
    public void SparseMlp_Sparsity_ReachedExactlyAndExported()
    {
        var ml = new MLContext(1);
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small(0.8)).Fit(TestData.Multiclass(ml));
        var report = model.Report;
        Assert.AreEqual(report.TotalParameters - (long)Math.Round(0.8 * report.TotalParameters, MidpointRounding.ToEven), report.TotalNonZeros, report.ToString());
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(TestData.Multiclass(ml, 150, seed: 2)));
        Assert.IsTrue(metrics.MicroAccuracy > 0.9, $"accuracy {metrics.MicroAccuracy}");
        using var stream = new MemoryStream();
        model.SaveOnnx(stream);
        Assert.AreEqual(report.CompactBytes, stream.Length);
    }

    [TestMethod]
    public void SparseMlp_SameSeed_SameModel()
    {
        byte[] Train() => new MLContext(5).MulticlassClassification.Trainers.SparseMlp(Small(epochs: 2)).Fit(TestData.Multiclass(new MLContext(5))).CompactOnnx.ToArray();
        CollectionAssert.AreEqual(Train(), Train());
    }

    [TestMethod]
    public void SparseMlp_NaNFeature_ThrowsNamingColumnAndRow()
    {
        var ml = new MLContext(1);
        var rows = TestData.Rows(30, 1);
        rows[7].Features[2] = float.NaN;
        var data = ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(ml.Data.LoadFromEnumerable(rows)).Transform(ml.Data.LoadFromEnumerable(rows));
        var ex = Assert.ThrowsExactly<InvalidDataException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data));
        StringAssert.Contains(ex.Message, "'Features'");
        StringAssert.Contains(ex.Message, "row 7");
    }

    [TestMethod]
    public void SparseMlp_VariableSizeFeatures_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Features = [1f, 2f], Label = true } });
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.SparseMlp(Small()).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Features'");
    }

    [TestMethod]
    public void SparseMlp_MissingLabel_ThrowsCouldNotFind()
    {
        var ml = new MLContext(1);
        var data = ml.Data.LoadFromEnumerable(TestData.Rows(10, 1));
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data));
        StringAssert.Contains(ex.Message, "Could not find input column 'Label'");
    }

    [TestMethod]
    public void SparseMlp_NonKeyLabelForMulticlass_ThrowsSchemaMismatch()
    {
        var ml = new MLContext(1);
        var data = TestData.Regression(ml, 10);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data));
        StringAssert.Contains(ex.Message, "Schema mismatch for input column 'Label'");
    }

    [TestMethod]
    public void SparseMlp_EmptyData_ThrowsNoRows()
    {
        var ml = new MLContext(1);
        var data = ml.Data.FilterRowsByColumn(TestData.Regression(ml, 10), "Value", lowerBound: 1e9);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.Regression.Trainers.SparseMlp(Small()).Fit(data));
        StringAssert.Contains(ex.Message, "no rows");
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.0)]
    [DataRow(double.NaN)]
    public void SparseMlp_InvalidSparsity_ThrowsNamingOption(double sparsity)
    {
        var ml = new MLContext(1);
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small(sparsity)));
        StringAssert.Contains(ex.Message, "Sparsity");
    }

    [TestMethod]
    public void SparseMlp_CancelExecution_StopsInsideBatchLoop()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        // MLContext.CancelExecution is internal in ML.NET 5.0.1; call it the way ML.NET's own tests can.
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!
            .Invoke(ml, null);
        Assert.ThrowsExactly<OperationCanceledException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small()).Fit(data));
    }

    [TestMethod]
    public void SparseMlp_GpuRequestedWithoutCudaOrFallback_ThrowsNamingGpuDeviceId()
    {
        if (TorchSharp.torch.cuda.is_available()) Assert.Inconclusive("CUDA is available here; this checks the CPU-only error.");
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = false };
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MulticlassClassification.Trainers.SparseMlp(Small(epochs: 1)).Fit(TestData.Multiclass(ml)));
        StringAssert.Contains(ex.Message, "GpuDeviceId");
    }

    [TestMethod]
    public void SparseMlp_GpuRequestedWithFallback_TrainsOnCpu()
    {
        var ml = new MLContext(1) { GpuDeviceId = 0, FallbackToCpu = true };
        var model = ml.MulticlassClassification.Trainers.SparseMlp(Small(epochs: 5)).Fit(TestData.Multiclass(ml));
        Assert.IsTrue(ml.MulticlassClassification.Evaluate(model.Transform(TestData.Multiclass(ml, 90, seed: 3))).MicroAccuracy > 0.9);
    }

    [TestMethod]
    public void SparseMlp_EpochProgress_GoesToMLContextLog()
    {
        var ml = new MLContext(1);
        var messages = new System.Collections.Concurrent.ConcurrentQueue<string>();
        ml.Log += (_, e) => messages.Enqueue(e.Message);
        ml.MulticlassClassification.Trainers.SparseMlp(Small(epochs: 3)).Fit(TestData.Multiclass(ml));
        Assert.AreEqual(3, messages.Count(m => m.Contains("epoch ") && m.Contains("loss")), string.Join("\n", messages));
    }

    private sealed class VariableRow
    {
        public float[] Features { get; set; } = [];
        public bool Label { get; set; }
    }
}
