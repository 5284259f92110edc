using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>StructuredOptions.RefitConsumers: the next layer refit by least squares after the units are chosen.</summary>
[TestClass]
public sealed class StructuredRefitTests
{
    private static PruneOptions Options(OnnxModel model, bool refit) => new()
    {
        Model = model, OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Criterion = "magnitude-l2",
        Granularity = PruningGranularity.Neuron, Sparsity = 0.5, Scope = PruningScope.Layer, CalibrationRows = 300,
        Structured = new StructuredOptions { RefitConsumers = refit },
    };

    private static double MeanSquaredDifference(float[][] a, float[][] b) =>
        a.Zip(b).Average(p => p.First.Zip(p.Second).Average(q => (double)(q.First - q.Second) * (q.First - q.Second)));

    [TestMethod]
    public void RefitConsumers_SameChoice_ScoresCloserToTheDenseModelAndReportsEachRefit()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        string densePath = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"refit-dense-{Guid.NewGuid():N}.onnx");
        TestData.Mlp(7, 16, 12).Save(densePath);
        float[][] dense;
        try { dense = TestData.ScoreColumn(ml.Transforms.ApplyOnnxModel(["Score"], ["Features"], densePath).Fit(data).Transform(data)); }
        finally { System.IO.File.Delete(densePath); }

        var plain = ml.Pruning().Prune(Options(TestData.Mlp(7, 16, 12), refit: false)).Fit(data);
        var refit = ml.Pruning().Prune(Options(TestData.Mlp(7, 16, 12), refit: true)).Fit(data);

        // The same units go (the choice comes before the refit): the same shapes, smaller error.
        foreach (string name in new[] { "fc1.weight", "fc2.weight", "fc3.weight" })
            CollectionAssert.AreEqual(plain.Model.GetInitializer(name).Dims.ToArray(), refit.Model.GetInitializer(name).Dims.ToArray(), name);
        double plainError = MeanSquaredDifference(TestData.ScoreColumn(plain.Transform(data)), dense);
        double refitError = MeanSquaredDifference(TestData.ScoreColumn(refit.Transform(data)), dense);
        Assert.IsLessThan(plainError, refitError, $"refit {refitError:G4} vs plain {plainError:G4}");
        Assert.HasCount(2, refit.Report.Reconstruction);
        StringAssert.Contains(refit.Report.Reconstruction[0].Note, "least-squares refit of 'fc2.weight'");
        Assert.IsEmpty(plain.Report.Reconstruction);
        Assert.IsLessThanOrEqualTo(1e-4, refit.Report.Structured!.Verification!.MaxRelativeDifference);
        StringAssert.Contains(refit.Report.Method, "refit by least squares");
    }
}
