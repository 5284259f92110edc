using System;
using System.IO;
using Microsoft.ML;
using Microsoft.ML.Pruning.Trainers;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>Saved models load in a context that never saw the estimator, as a user's scoring service would.</summary>
[TestClass]
public sealed class ModelLoadingTests
{
    [TestMethod]
    public void Magnitude_SavedModel_LoadsInNewContextWithoutRegistration()
    {
        var ml = new MLContext(1);
        var data = TestData.Multiclass(ml);
        var pruned = ml.Pruning().Magnitude(TestData.Mlp(), ["Score"], ["Features"], 0.7).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"magnitude-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(pruned, data.Schema, path);
            var fresh = new MLContext(2);
            var loaded = fresh.Model.Load(path, out _);
            var expected = TestData.ScoreColumn(pruned.Transform(data));
            var actual = TestData.ScoreColumn(loaded.Transform(data));
            for (int i = 0; i < expected.Length; i++) CollectionAssert.AreEqual(expected[i], actual[i], $"row {i}");
        }
        finally
        {
            File.Delete(path);
        }
    }

    [TestMethod]
    public void SparseMlp_SavedModel_LoadsInNewContextAfterRegisteringTheAssembly()
    {
        var ml = new MLContext(1);
        var data = TestData.Binary(ml);
        var model = ml.BinaryClassification.Trainers.SparseMlp(new SparseMlpOptions { HiddenLayers = [8], Epochs = 2 }).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"sparsemlp-{Guid.NewGuid():N}.zip");
        try
        {
            ml.Model.Save(model, data.Schema, path);
            var fresh = new MLContext(2);
            fresh.ComponentCatalog.RegisterAssembly(typeof(SparseMlpTrainer).Assembly);
            var loaded = fresh.Model.Load(path, out _);
            var metrics = fresh.BinaryClassification.Evaluate(loaded.Transform(data));
            var original = ml.BinaryClassification.Evaluate(model.Transform(data));
            Assert.AreEqual(original.Accuracy, metrics.Accuracy);
            Assert.AreEqual(original.AreaUnderRocCurve, metrics.AreaUnderRocCurve);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
