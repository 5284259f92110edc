using System;
using System.Linq;
using System.Text.Json;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>ADMM settings: validation naming the option, ρ's schedule, counts from a sparsity, JSON.</summary>
[TestClass]
public sealed class AdmmSettingsTests
{
    private static readonly AdmmSettings Valid = new() { Layers = [new AdmmLayer("fc1.weight", Kept: 10)] };

    [TestMethod]
    [DataRow(0.0)]
    [DataRow(-1e-3)]
    [DataRow(double.NaN)]
    [DataRow(double.PositiveInfinity)]
    public void Validate_RhoNotPositiveFinite_ThrowsArgumentOutOfRangeNamingRho(double rho)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => (Valid with { Rho = rho }).Validate("Admm"));

        Assert.AreEqual(nameof(AdmmSettings.Rho), e.ParamName);
        StringAssert.Contains(e.Message, "Rho must be a positive finite number");
    }

    [TestMethod]
    public void Validate_OtherOptionsOutOfRange_ThrowNamingTheOption()
    {
        (AdmmSettings Settings, string Option)[] cases =
        [
            (Valid with { RhoFactor = 0.9 }, nameof(AdmmSettings.RhoFactor)),
            (Valid with { Rho = 0.1, RhoMax = 0.01 }, nameof(AdmmSettings.RhoMax)),
            (Valid with { StepsPerRound = 0 }, nameof(AdmmSettings.StepsPerRound)),
            (Valid with { EpochsPerRound = 0 }, nameof(AdmmSettings.EpochsPerRound)),
            (Valid with { RhoSchedule = (AdmmRhoSchedule)7 }, nameof(AdmmSettings.RhoSchedule)),
            (Valid with { Granularity = (PruningGranularity)9 }, nameof(AdmmSettings.Granularity)),
            (Valid with { Layers = [new AdmmLayer("fc1.weight", Kept: -1)] }, "Layers['fc1.weight'].Kept"),
            (Valid with { Layers = [new AdmmLayer("fc1.weight")] }, "Layers['fc1.weight'].Kept"),
            (Valid with { Scope = PruningScope.Global, Layers = [new AdmmLayer("fc1.weight")] }, nameof(AdmmSettings.KeptTotal)),
        ];
        foreach (var (settings, option) in cases)
            Assert.AreEqual(option, Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => settings.Validate("Admm")).ParamName, option);
    }

    [TestMethod]
    public void Validate_MalformedLayers_ThrowsArgumentException()
    {
        AdmmSettings[] cases =
        [
            Valid with { Layers = [] },
            Valid with { Layers = [new AdmmLayer("w", 1), new AdmmLayer("w", 2)] },
            Valid with { Scope = PruningScope.Global, KeptTotal = 5, Layers = [new AdmmLayer("w", 1)] },
            Valid with { KeptTotal = 5 },
            Valid with { StepsPerRound = 10, EpochsPerRound = 2 },
        ];
        foreach (var settings in cases)
            Assert.ThrowsExactly<ArgumentException>(() => settings.Validate("Admm"));
    }

    [TestMethod]
    public void NextRho_Multiply_GrowsByTheFactorUpToTheMaximum()
    {
        var settings = Valid with { Rho = 0.01, RhoFactor = 3, RhoMax = 0.5 };
        double rho = settings.Rho;
        var path = Enumerable.Range(0, 5).Select(_ => rho = settings.NextRho(rho)).ToArray();

        CollectionAssert.AreEqual(new[] { 0.03, 0.09, 0.27, 0.5, 0.5 }, path.Select(r => Math.Round(r, 12)).ToArray());
        Assert.AreEqual(0.01, (settings with { RhoSchedule = AdmmRhoSchedule.Constant }).NextRho(0.01));
    }

    [TestMethod]
    public void ForSparsity_CountsAsTheMaskSelectorDoes_PerLayerGlobalAndUnits()
    {
        PrunableWeight[] weights =
        [
            new("fc1.weight", [30, 7], "fc1", "Gemm", 0, 1, PrunableWeightRole.GemmWeight, 0, 210),
            new("fc2.weight", [30, 5], "fc2", "MatMul", 1, 1, PrunableWeightRole.MatMulWeight, 1, 150),
        ];

        var layer = AdmmSettings.ForSparsity(weights, 0.9, PruningScope.Layer);
        var global = AdmmSettings.ForSparsity(weights, 0.9, PruningScope.Global);
        var units = AdmmSettings.ForSparsity(weights, 0.5, PruningScope.Layer, PruningGranularity.Neuron);

        CollectionAssert.AreEqual(new long?[] { 21, 15 }, layer.Layers.Select(l => l.Kept).ToArray());
        Assert.AreEqual(36, global.KeptTotal);
        Assert.IsTrue(global.Layers.All(l => l.Kept is null));
        CollectionAssert.AreEqual(new long?[] { 15, 3 }, units.Layers.Select(l => l.Kept).ToArray(), "30 rows keep 15; 5 columns prune round(2.5) = 2 (to even), keep 3");
        CollectionAssert.AreEqual(new[] { 0, 1 }, units.Layers.Select(l => l.UnitAxis).ToArray());
        layer.Validate("test");
        global.Validate("test");
        units.Validate("test");
    }

    [TestMethod]
    public void Settings_JsonRoundTrip_KeepsEveryValue()
    {
        var settings = new AdmmSettings
        {
            Rho = 2e-3, RhoSchedule = AdmmRhoSchedule.Constant, RhoFactor = 1.2, RhoMax = 0.3, EpochsPerRound = 3,
            Granularity = PruningGranularity.Channel, Scope = PruningScope.Global, KeptTotal = 40,
            Layers = [new AdmmLayer("conv1.weight"), new AdmmLayer("conv2.weight", UnitAxis: 0)],
        };

        string json = JsonSerializer.Serialize(settings);
        var back = JsonSerializer.Deserialize<AdmmSettings>(json)!;

        StringAssert.Contains(json, "\"Channel\"");
        Assert.AreEqual(settings with { Layers = back.Layers }, back);
        CollectionAssert.AreEqual(settings.Layers.ToArray(), back.Layers.ToArray());
    }
}
