using System;
using System.Linq;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Criteria;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Criteria;

[TestClass]
public sealed class CriteriaTests
{
    /// <summary>A Gemm weight [units, inputs] with transB = 1 (units on axis 0).</summary>
    private static PrunableWeight Rows(int units, int inputs) =>
        new("w", [units, inputs], "gemm", "Gemm", 0, 1, PrunableWeightRole.GemmWeight, 0, (long)units * inputs);

    /// <summary>A MatMul weight [inputs, units] (units on axis 1).</summary>
    private static PrunableWeight Columns(int inputs, int units) =>
        new("w", [inputs, units], "matmul", "MatMul", 0, 1, PrunableWeightRole.MatMulWeight, 1, (long)units * inputs);

    private static LayerContext Layer(PrunableWeight weight, float[] values, PruningGranularity granularity = PruningGranularity.Unstructured,
        LayerStatistics? statistics = null, GradientStatistics? gradients = null, GradientStatistics? units = null, int seed = 1, int groups = 1) =>
        new(weight, values, granularity, groups, statistics, gradients, units, () => seed);

    private static LayerStatistics Statistics(double[]? inputSquares = null, double[]? means = null, double[]? zeros = null,
        float[][]? samples = null, double[]? correlation = null) => new(10, inputSquares, means, zeros, samples, correlation);

    [TestMethod]
    public void PruningCriteria_Names_ListEveryBuiltInCriterion()
    {
        string[] expected = ["activation", "apoz", "entropy", "fisher", "fpgm", "gsap", "magnitude", "magnitude-l2", "min-redundancy", "random", "taylor", "wanda"];
        CollectionAssert.IsSubsetOf(expected, PruningCriteria.Names.ToArray());
        foreach (string name in expected)
            Assert.AreEqual(name, PruningCriteria.Create(name.ToUpperInvariant()).Name);
    }

    [TestMethod]
    public void PruningCriteria_UnknownName_ThrowsListingKnown()
    {
        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => PruningCriteria.Create("optimal-brain-surgeon"));
        StringAssert.Contains(ex.Message, "Unknown criterion 'optimal-brain-surgeon'");
        StringAssert.Contains(ex.Message, "magnitude, magnitude-l2");
        Assert.AreEqual("Criterion", ex.ParamName);
    }

    [TestMethod]
    public void Magnitude_NeuronGranularity_ScoresL1NormOfEachRow()
    {
        float[] w = [1, -2, 3, /**/ 0.5f, 0.5f, -0.5f];
        var scores = new MagnitudeCriterion().Score(Layer(Rows(2, 3), w, PruningGranularity.Neuron));
        CollectionAssert.AreEqual(new float[] { 6, 1.5f }, scores);
    }

    [TestMethod]
    public void MagnitudeL2_UnitsOnColumns_ScoresL2NormOfEachColumn()
    {
        // [inputs 2, units 3]: column u = (w[u], w[3 + u]).
        float[] w = [3, 0, 1, /**/ 4, 2, 1];
        var scores = new MagnitudeL2Criterion().Score(Layer(Columns(2, 3), w, PruningGranularity.Neuron));
        Assert.AreEqual(5f, scores[0], 1e-6f);
        Assert.AreEqual(2f, scores[1], 1e-6f);
        Assert.AreEqual(MathF.Sqrt(2), scores[2], 1e-6f);
    }

    [TestMethod]
    public void Wanda_RowsAndColumns_MultiplyMagnitudeByInputNorm()
    {
        double[] squares = [4, 9, 0]; // ‖X_j‖ = 2, 3, 0
        float[] rows = [1, -1, 5, /**/ -2, 1, 7];
        var byRows = new WandaCriterion().Score(Layer(Rows(2, 3), rows, statistics: Statistics(inputSquares: squares)));
        CollectionAssert.AreEqual(new float[] { 2, 3, 0, 4, 3, 0 }, byRows);

        float[] columns = [1, -2, /**/ -1, 1, /**/ 5, 7]; // [inputs 3, units 2]
        var byColumns = new WandaCriterion().Score(Layer(Columns(3, 2), columns, statistics: Statistics(inputSquares: squares)));
        CollectionAssert.AreEqual(new float[] { 2, 4, 3, 3, 0, 0 }, byColumns);
    }

    [TestMethod]
    public void LayerContext_InputOf_GroupedConv_MapsToTheGroupsInputChannel()
    {
        // Conv weight [M 4, C/g 2, 1, 1] with 2 groups: filters 0-1 read channels 0-1, filters 2-3 read channels 2-3.
        var conv = new PrunableWeight("w", [4, 2, 1, 1], "conv", "Conv", 0, 1, PrunableWeightRole.ConvWeight, 0, 8);
        var layer = Layer(conv, new float[8], groups: 2);
        int[] inputs = Enumerable.Range(0, 8).Select(i => layer.InputOf(i)).ToArray();
        CollectionAssert.AreEqual(new[] { 0, 1, 0, 1, 2, 3, 2, 3 }, inputs);
        CollectionAssert.AreEqual(new[] { 0, 0, 1, 1, 2, 2, 3, 3 }, Enumerable.Range(0, 8).Select(i => layer.UnitOf(i)).ToArray());
    }

    [TestMethod]
    public void Taylor_UnitGranularity_SumsAbsWeightTimesGradientPerUnit()
    {
        var gradients = new GradientStatistics([1, 2, 3, 4, 5, 6], new float[6], 3);
        CollectionAssert.AreEqual(new float[] { 6, 15 }, new TaylorCriterion().Score(Layer(Rows(2, 3), new float[6], PruningGranularity.Neuron, gradients: gradients)));
        CollectionAssert.AreEqual(new float[] { 1, 2, 3, 4, 5, 6 }, new TaylorCriterion().Score(Layer(Rows(2, 3), new float[6], gradients: gradients)));
    }

    [TestMethod]
    public void Fisher_IsHalfMeanSquaredGradientTimesSquaredWeight()
    {
        var gradients = new GradientStatistics(new float[2], [8, 2], 4); // mean g² = 2, 0.5
        var scores = new FisherCriterion().Score(Layer(Rows(1, 2), [3, -2], gradients: gradients));
        Assert.AreEqual(0.5f * 2 * 9, scores[0], 1e-6f);
        Assert.AreEqual(0.5f * 0.5f * 4, scores[1], 1e-6f);
    }

    [TestMethod]
    public void GradientCriteria_WithoutGradients_ThrowNamingCriterionAndLayer()
    {
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => new TaylorCriterion().Score(Layer(Rows(1, 2), [1, 2])));
        StringAssert.Contains(ex.Message, "'taylor'");
        StringAssert.Contains(ex.Message, "'w'");
    }

    [TestMethod]
    public void Fpgm_UnitAtTheGeometricMedian_ScoresLowest()
    {
        // Units 0 and 2 are far apart; unit 1 lies between them: the others can stand in for it.
        float[] w = [0, 0, /**/ 1, 1, /**/ 2, 2];
        var scores = new FpgmCriterion().Score(Layer(Rows(3, 2), w, PruningGranularity.Neuron));
        Assert.AreEqual(1, Array.IndexOf(scores, scores.Min()));
        Assert.AreEqual(scores[0], scores[2], 1e-5f);
        Assert.AreEqual(2 * MathF.Sqrt(2), scores[1], 1e-5f);
    }

    [TestMethod]
    public void ActivationCriteria_ScoreMeanMagnitudeAndOneMinusApoz()
    {
        var statistics = Statistics(means: [0.5, 0, 2], zeros: [0.25, 1, 0]);
        var layer = Layer(Rows(3, 1), new float[3], PruningGranularity.Neuron, statistics);
        CollectionAssert.AreEqual(new float[] { 0.5f, 0, 2 }, new ActivationCriterion().Score(layer));
        CollectionAssert.AreEqual(new float[] { 0.75f, 0, 1 }, new ApozCriterion().Score(layer));
    }

    [TestMethod]
    public void Entropy_ConstantUnitScoresZero_SpreadUnitScoresLogOfBins()
    {
        var spread = Enumerable.Range(0, EntropyCriterion.Bins * 10).Select(i => (float)(i % EntropyCriterion.Bins) + 0.5f).ToArray();
        var constant = Enumerable.Repeat(3f, spread.Length).ToArray();
        var twoValues = Enumerable.Range(0, spread.Length).Select(i => (float)(i % 2)).ToArray();
        var scores = new EntropyCriterion().Score(Layer(Rows(3, 1), new float[3], PruningGranularity.Neuron, Statistics(samples: [constant, spread, twoValues])));
        Assert.AreEqual(0f, scores[0]);
        Assert.AreEqual(MathF.Log(EntropyCriterion.Bins), scores[1], 1e-4f);
        Assert.AreEqual(MathF.Log(2), scores[2], 1e-4f);
    }

    [TestMethod]
    public void MinimumRedundancy_CopyOfKeptUnit_RanksBelowALessImportantDistinctUnit()
    {
        // Unit 0 is the most important; unit 1 copies it (correlation 1); unit 2 is less active but uncorrelated.
        double[] correlation = [1, 1, 0, /**/ 1, 1, 0, /**/ 0, 0, 1];
        var scores = new MinimumRedundancyCriterion().Score(Layer(Rows(3, 1), new float[3], PruningGranularity.Neuron,
            Statistics(means: [1.0, 0.99, 0.6], correlation: correlation)));
        Assert.IsTrue(scores[0] > scores[2] && scores[2] > scores[1], string.Join(", ", scores));
    }

    [TestMethod]
    public void Random_SameSeed_SameScores_OtherSeed_OtherScores()
    {
        var a = new RandomCriterion().Score(Layer(Rows(4, 4), new float[16], seed: 5));
        var b = new RandomCriterion().Score(Layer(Rows(4, 4), new float[16], seed: 5));
        var c = new RandomCriterion().Score(Layer(Rows(4, 4), new float[16], seed: 6));
        CollectionAssert.AreEqual(a, b);
        CollectionAssert.AreNotEqual(a, c);
        Assert.IsTrue(a.All(s => s >= 0 && s < 1));
        Assert.AreEqual(4, new RandomCriterion().Score(Layer(Rows(4, 4), new float[16], PruningGranularity.Neuron)).Length);
    }

    [TestMethod]
    public void UnitOnlyCriteria_DeclareNoUnstructuredGranularity()
    {
        foreach (string name in new[] { "activation", "apoz", "entropy", "fpgm", "min-redundancy", "gsap" })
            CollectionAssert.DoesNotContain(PruningCriteria.Create(name).Granularities.ToArray(), PruningGranularity.Unstructured, name);
    }
}
