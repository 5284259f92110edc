using System;
using System.Collections.Generic;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SensitivitySuggestionTests
{
    /// <summary>Three layers: "robust" loses little, "middle" some, "fragile" much; sizes 1000, 300, 50.</summary>
    private static SensitivityResult Hand(bool higherIsBetter = true)
    {
        double sign = higherIsBetter ? -1 : 1;
        var result = new SensitivityResult
        {
            MetricName = "accuracy", HigherIsBetter = higherIsBetter, DenseMetric = 0.9,
            Layers = ["fragile", "robust", "middle"],
            LayerParameters = new Dictionary<string, long> { ["fragile"] = 50, ["robust"] = 1000, ["middle"] = 300 },
        };
        void Curve(string layer, params double[] losses)
        {
            double[] sparsities = [0.3, 0.5, 0.7, 0.9];
            for (int i = 0; i < sparsities.Length; i++) result.Points.Add(new SensitivityPoint(layer, sparsities[i], 0.9 + sign * losses[i]));
        }
        Curve("fragile", 0.05, 0.2, 0.4, 0.6);
        Curve("robust", 0.0, 0.001, 0.004, 0.02);
        Curve("middle", 0.01, 0.03, 0.08, 0.2);
        return result;
    }

    private static double Overall(SensitivityResult result, IReadOnlyDictionary<string, double> suggestion) =>
        result.Layers.Sum(l => result.LayerParameters[l] * suggestion[l]) / result.LayerParameters.Values.Sum();

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(0.2)]
    [DataRow(0.5)]
    [DataRow(0.7)]
    [DataRow(0.85)]
    [DataRow(0.9)]
    public void SuggestLayerSparsity_Target_HitsTheParameterWeightedOverall(double target)
    {
        var result = Hand();

        var suggestion = result.SuggestLayerSparsity(target);

        CollectionAssert.AreEquivalent(result.Layers.ToList(), suggestion.Keys.ToList());
        Assert.AreEqual(target, Overall(result, suggestion), 1e-6);
        foreach (var s in suggestion.Values)
        {
            Assert.IsGreaterThanOrEqualTo(0.0, s);
            Assert.IsLessThanOrEqualTo(0.9, s);
        }
    }

    [TestMethod]
    [DataRow(true)]
    [DataRow(false)]
    public void SuggestLayerSparsity_LeastSensitiveLayer_GetsTheHighestSparsity(bool higherIsBetter)
    {
        var suggestion = Hand(higherIsBetter).SuggestLayerSparsity(0.6);

        Assert.IsGreaterThan(suggestion["middle"], suggestion["robust"]);
        Assert.IsGreaterThan(suggestion["fragile"], suggestion["middle"]);
        Assert.AreNotEqual(0.6, suggestion["robust"], 1e-3, "not uniform");
    }

    [TestMethod]
    public void SuggestLayerSparsity_FlatCurves_StillHitsTheTargetExactly()
    {
        // Pruning never hurts here: every curve is flat at zero loss, so the total jumps at τ = 0 and the share settles it.
        var result = Hand();
        result.Points = [.. result.Points.Select(p => p with { Metric = result.DenseMetric + 0.01 })];

        var suggestion = result.SuggestLayerSparsity(0.42);

        Assert.AreEqual(0.42, Overall(result, suggestion), 1e-9);
        Assert.AreEqual(suggestion["robust"], suggestion["fragile"], 1e-12, "alike layers are pruned alike");
    }

    [TestMethod]
    public void SuggestLayerSparsity_NonMonotoneMeasurement_IsTreatedAsTheWorseLoss()
    {
        var result = Hand();
        // robust measured better at 0.7 than at 0.5: its curve keeps the 0.5 loss there, so a budget below that loss stops at 0.5 or less.
        result.Points = [.. result.Points.Select(p => p.Layer == "robust" && p.Sparsity == 0.7 ? p with { Metric = 0.95 } : p)];

        var suggestion = result.SuggestLayerSparsity(0.7);

        Assert.AreEqual(0.7, Overall(result, suggestion), 1e-6);
    }

    [TestMethod]
    public void SuggestLayerSparsity_NaNMetric_IsNeverReached()
    {
        var result = Hand();
        result.Points = [.. result.Points.Select(p => p.Layer == "robust" && p.Sparsity == 0.9 ? p with { Metric = double.NaN } : p)];

        var suggestion = result.SuggestLayerSparsity(0.6);

        Assert.AreEqual(0.6, Overall(result, suggestion), 1e-6);
        Assert.IsLessThanOrEqualTo(0.7, suggestion["robust"]);
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.SuggestLayerSparsity(0.8), "robust cannot pass 0.7: at most (50·0.9 + 1000·0.7 + 300·0.9) / 1350 ≈ 0.75");
    }

    [TestMethod]
    public void SuggestLayerSparsity_UnreachableTarget_ThrowsNamingTheTarget()
    {
        var result = Hand();

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.SuggestLayerSparsity(0.95));
        var outside = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => result.SuggestLayerSparsity(1.0));

        StringAssert.Contains(e.Message, "0.95");
        Assert.AreEqual("overallSparsity", e.ParamName);
        StringAssert.Contains(outside.Message, "[0, 1)");
    }

    [TestMethod]
    public void ToString_Table_HasEveryLayerSparsityAndDense()
    {
        string table = Hand().ToString();

        foreach (string cell in new[] { "fragile", "robust", "middle", "1000", "30 %", "90 %", "dense 0.9000", "0.8800" })
            StringAssert.Contains(table, cell);
    }
}
