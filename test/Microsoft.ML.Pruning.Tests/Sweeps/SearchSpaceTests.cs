using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SearchSpaceTests
{
    private static SweepSearchSpace Space(PruningOptions baseOptions, params SweepParameter[] parameters) =>
        SweepOptionsValidator.Validate(new SweepOptions
        {
            BaseOptions = baseOptions, Parameters = [.. parameters], Metric = SweepMetric.Accuracy("Label", "Score"), Directory = "unused",
        });

    private static MagnitudePruningOptions Base() => new()
    {
        ModelPath = "model.onnx", OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Sparsity = 0.5, CalibrationRows = 77,
        FineTune = new FineTuneOptions { Epochs = 3, LearningRate = 0.01 },
    };

    private static Dictionary<string, string> Values(params (string Name, string Value)[] values)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in values) result[name] = value;
        return result;
    }

    [TestMethod]
    public void Apply_CriterionAsMethod_PruneOptionsKeepingSharedOptions()
    {
        var space = Space(Base(), SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda", "lasso"), SweepParameter.Range(SweepParameter.Sparsity, 0.3, 0.9));

        var options = space.Apply(Values((SweepParameter.Method, "wanda"), (SweepParameter.Sparsity, "0.8")), seed: 42);

        var prune = Assert.IsInstanceOfType<PruneOptions>(options);
        Assert.AreEqual("wanda", prune.Criterion);
        Assert.AreEqual(0.8, prune.Sparsity);
        Assert.AreEqual(77, prune.CalibrationRows, "shared options kept");
        Assert.AreEqual(0.01, prune.FineTune!.LearningRate);
        Assert.AreEqual(42, prune.Seed);
        Assert.AreEqual(System.IO.Path.GetFullPath("model.onnx"), prune.ModelPath);
        var lasso = Assert.IsInstanceOfType<LassoPruningOptions>(space.Apply(Values((SweepParameter.Method, "lasso"), (SweepParameter.Sparsity, "0.5")), 1));
        Assert.AreEqual(77, lasso.CalibrationRows);
    }

    [TestMethod]
    public void Apply_FineTuneEpochs_ZeroRemovesFineTuningAndMoreSetsEpochs()
    {
        var space = Space(Base(), SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 2));

        Assert.IsNull(space.Apply(Values((SweepParameter.FineTuneEpochs, "0")), 1).FineTune);
        var tuned = space.Apply(Values((SweepParameter.FineTuneEpochs, "2")), 1).FineTune!;
        Assert.AreEqual(2, tuned.Epochs);
        Assert.AreEqual(0.01, tuned.LearningRate, "the base fine-tuning settings kept");
    }

    [TestMethod]
    public void Apply_NestedEnumAndBooleanPaths_TypedLikeTheOption()
    {
        var space = Space(Base(),
            SweepParameter.Choice("Granularity", "Unstructured", "Neuron"),
            SweepParameter.Choice("Scope", "Layer", "Global"),
            SweepParameter.Range("FineTune.LearningRate", 1e-4, 1e-2, logScale: true),
            SweepParameter.Choice("FineTune.KeepBest", "false"));

        var options = space.Apply(Values(("Granularity", "Neuron"), ("Scope", "Layer"), ("FineTune.LearningRate", "0.001"), ("FineTune.KeepBest", "false")), 1);

        Assert.AreEqual(PruningGranularity.Neuron, options.Granularity);
        Assert.AreEqual(PruningScope.Layer, options.Scope);
        Assert.AreEqual(0.001, options.FineTune!.LearningRate);
    }

    [TestMethod]
    public void Apply_UniformLayerAllocation_NeedsNoSensitivityAndLeavesScope()
    {
        var space = Space(Base(), SweepParameter.Choice(SweepParameter.LayerAllocation, "uniform"));

        var options = space.Apply(Values((SweepParameter.LayerAllocation, "uniform")), 1);

        Assert.AreEqual(PruningScope.Global, options.Scope);
        Assert.IsEmpty(options.LayerSparsity);
    }

    [TestMethod]
    public void SweepId_BudgetOrFolderChanged_SameIdButSeedOrDataChanged_Differs()
    {
        var ml = new MLContext(1);
        var data = Transforms.TestData.Multiclass(ml, 30);
        var fewer = Transforms.TestData.Multiclass(ml, 29);
        SweepOptions Make() => new()
        {
            BaseOptions = Base(), Parameters = [SweepParameter.Range(SweepParameter.Sparsity, 0.3, 0.9)],
            Metric = SweepMetric.Accuracy("Label", "Score"), Directory = "a", MaxTrials = 5,
        };
        string id = SweepIdentity.Compute(Make(), data, data);

        var budget = Make();
        budget.MaxTrials = 50;
        budget.MaxDuration = TimeSpan.FromHours(1);
        budget.Directory = "b";
        Assert.AreEqual(id, SweepIdentity.Compute(budget, data, data));
        var seed = Make();
        seed.Seed = 2;
        Assert.AreNotEqual(id, SweepIdentity.Compute(seed, data, data));
        Assert.AreNotEqual(id, SweepIdentity.Compute(Make(), data, fewer));
        var range = Make();
        range.Parameters[0].Maximum = 0.95;
        Assert.AreNotEqual(id, SweepIdentity.Compute(range, data, data));
    }

    [TestMethod]
    public void Apply_InvalidCombination_ThrowsNamingTheValues()
    {
        var space = Space(Base(), SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 1), SweepParameter.Choice("Schedule", "OneShot", "Gradual"));

        // Each value is valid alone (validation applies one parameter at a time); Gradual with no fine-tuning is not.
        var error = Assert.ThrowsExactly<ArgumentException>(() => space.Apply(Values(("Schedule", "Gradual"), (SweepParameter.FineTuneEpochs, "0")), 1));
        StringAssert.Contains(error.Message, "FineTune.Epochs = 0");
        StringAssert.Contains(error.Message, "Gradual");
    }
}
