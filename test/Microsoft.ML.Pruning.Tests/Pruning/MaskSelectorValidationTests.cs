using System;
using System.IO;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class MaskSelectorValidationTests
{
    private static readonly LayerValues[] Layers = [new("fc1", new float[] { 1, 2, 3, 4 })];

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.0)]
    [DataRow(1.5)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void SelectByMagnitude_SparsityOutOfRange_ThrowsNamingSparsityAndValue(double sparsity)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskSelector.SelectByMagnitude(Layers, sparsity));

        Assert.AreEqual("Sparsity", e.ParamName);
        StringAssert.Contains(e.Message, "Sparsity");
        StringAssert.Contains(e.Message, sparsity.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }

    [TestMethod]
    [DataRow(-0.1)]
    [DataRow(1.0)]
    [DataRow(double.NaN)]
    public void SelectByMagnitude_LayerSparsityOutOfRange_ThrowsNamingLayer(double sparsity)
    {
        var options = new MaskSelectionOptions { Sparsity = 0.5 };
        options.LayerSparsity["fc1"] = sparsity;

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskSelector.SelectByMagnitude(Layers, options));

        StringAssert.Contains(e.Message, "LayerSparsity['fc1']");
    }

    [TestMethod]
    public void SelectByMagnitude_NaNWeight_ThrowsInvalidDataNamingLayer()
    {
        LayerValues[] layers = [new("fc1", new float[] { 1, 2, 3 }), new("fc2", new float[] { 1, float.NaN, 3 })];

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.SelectByMagnitude(layers, 0.5, PruningScope.Global));

        StringAssert.Contains(e.Message, "'fc2'");
        StringAssert.Contains(e.Message, "index 1");
    }

    [TestMethod]
    public void SelectByMagnitude_NaNWeightAtZeroSparsity_StillThrows()
    {
        Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.SelectByMagnitude([new LayerValues("fc1", new[] { float.NaN })], 0.0));
    }

    [TestMethod]
    public void SelectByMagnitude_NaNInSeveralLayers_ReportsEarliestLayer()
    {
        var big = new float[1_100_000];
        big[^1] = float.NaN;
        LayerValues[] layers = [new("first", new[] { 1f, float.NaN }), new("second", big), new("third", new[] { float.NaN })];

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.SelectByMagnitude(layers, 0.5, PruningScope.Layer));

        StringAssert.Contains(e.Message, "'first'");
    }

    [TestMethod]
    public void SelectByMagnitude_NaNBeyondVectorWidth_ReportsExactIndex()
    {
        var weights = new float[1000];
        weights[517] = float.NaN;

        var e = Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.SelectByMagnitude([new LayerValues("conv", weights)], 0.5));

        StringAssert.Contains(e.Message, "index 517");
    }

    [TestMethod]
    public void Select_NegativeScore_ThrowsArgumentExceptionNamingLayer()
    {
        var scores = new float[100];
        scores[42] = -0.5f;

        var e = Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.Select([new LayerValues("fc1", scores)], 0.5));

        StringAssert.Contains(e.Message, "'fc1'");
        StringAssert.Contains(e.Message, "index 42");
    }

    [TestMethod]
    public void Select_NaNScore_ThrowsInvalidDataNamingLayer()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() => MaskSelector.Select([new LayerValues("fc1", new[] { 0f, float.NaN })], 0.5));

        StringAssert.Contains(e.Message, "'fc1'");
    }

    [TestMethod]
    public void SelectByMagnitude_DuplicateLayerNames_ThrowsArgumentException()
    {
        LayerValues[] layers = [new("fc1", new float[] { 1 }), new("fc1", new float[] { 2 })];

        var e = Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectByMagnitude(layers, 0.5));

        StringAssert.Contains(e.Message, "'fc1'");
    }

    [TestMethod]
    public void SelectByMagnitude_UnnamedLayer_ThrowsArgumentException()
    {
        Assert.ThrowsExactly<ArgumentException>(() => MaskSelector.SelectByMagnitude([new LayerValues("", new float[] { 1 })], 0.5));
    }

    [TestMethod]
    public void SelectByMagnitude_NullArguments_ThrowArgumentNullException()
    {
        Assert.ThrowsExactly<ArgumentNullException>(() => MaskSelector.SelectByMagnitude(null!, 0.5));
        Assert.ThrowsExactly<ArgumentNullException>(() => MaskSelector.SelectByMagnitude(Layers, null!));
    }

    [TestMethod]
    public void SelectByMagnitude_UndefinedScope_ThrowsNamingScope()
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => MaskSelector.SelectByMagnitude(Layers, 0.5, (PruningScope)7));

        Assert.AreEqual("Scope", e.ParamName);
    }
}
