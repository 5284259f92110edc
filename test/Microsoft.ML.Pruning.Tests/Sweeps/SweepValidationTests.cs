using System;
using System.IO;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SweepValidationTests
{
    /// <summary>Runs the sweep expecting <typeparamref name="T"/>; checks the message names every part and nothing was written or run.</summary>
    private static void AssertRefused<T>(Action<SweepOptions> change, params string[] named) where T : Exception
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("refused", SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.9));
        change(options);
        var runner = new FakeTrialRunner();
        var error = Assert.ThrowsExactly<T>(() => fixture.Run(options, runner));
        foreach (string part in named) StringAssert.Contains(error.Message, part);
        Assert.IsFalse(File.Exists(Path.Combine(options.Directory ?? "", "trials.json")), "no log written");
        Assert.IsFalse(Directory.Exists(fixture.Root), "nothing written at all");
        Assert.IsEmpty(runner.Requests, "no trial, not even the dense one");
    }

    [TestMethod]
    public void Validate_SparsityRangeReachingOne_ThrowsNamingParameterAndValueBeforeAnyFile() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters[0] = SweepParameter.Range(SweepParameter.Sparsity, 0.5, 1.0), "'Sparsity' = '1'");

    [TestMethod]
    public void Validate_SparsityChoiceOne_ThrowsNamingParameterAndValue() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters[0] = SweepParameter.Choice(SweepParameter.Sparsity, 0.5, 1.5), "'Sparsity' = '1.5'");

    [TestMethod]
    public void Validate_UnknownMethod_ThrowsNamingMethodAndValue() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters.Add(SweepParameter.Choice(SweepParameter.Method, "magnitude", "wandaa")), "'Method' = 'wandaa'", "Unknown criterion");

    [TestMethod]
    public void Validate_ValueInvalidForOneMethod_ThrowsNamingParameterValueAndMethod() =>
        AssertRefused<ArgumentException>(o =>
        {
            o.Parameters[0] = SweepParameter.Choice(SweepParameter.Sparsity, 0.5, 0);
            o.Parameters.Add(SweepParameter.Choice(SweepParameter.Method, "magnitude", "lasso"));
        }, "'Sparsity' = '0' (with Method 'lasso')", "Set a target Sparsity > 0");

    [TestMethod]
    public void Validate_UnknownOptionPath_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Choice("Sparsityy", 0.5)), "'Sparsityy' is not an option");

    [TestMethod]
    public void Validate_ContinuousRangeOnIntegerOption_ThrowsNamingParameter() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Range("CalibrationRows", 16, 512)), "'CalibrationRows' = '", "Int32");

    [TestMethod]
    public void Validate_EnumValueMisspelled_ThrowsNamingParameterAndValue() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Choice("Granularity", "Unstructured", "Neurons")), "'Granularity' = 'Neurons'");

    [TestMethod]
    public void Validate_NestedPathUnderNull_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Range("FineTune.LearningRate", 1e-4, 1e-2, logScale: true)), "'FineTune' is null");

    [TestMethod]
    public void Validate_FineTuneEpochsWithoutBaseFineTune_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.IntegerRange(SweepParameter.FineTuneEpochs, 0, 2)), "FineTune.Epochs", "BaseOptions.FineTune");

    [TestMethod]
    public void Validate_LayerAllocationWithoutSensitivity_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Choice(SweepParameter.LayerAllocation, "uniform", "sensitivity")),
            "LayerAllocation", "SweepOptions.Sensitivity");

    [TestMethod]
    public void Validate_LayerAllocationUnknownValue_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters.Add(SweepParameter.Choice(SweepParameter.LayerAllocation, "even")), "LayerAllocation", "'even'");

    [TestMethod]
    public void Validate_RangeReversed_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters[0] = SweepParameter.Range(SweepParameter.Sparsity, 0.9, 0.5), "'Sparsity'", "above");

    [TestMethod]
    public void Validate_LogRangeFromZero_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters[0] = SweepParameter.Range(SweepParameter.Sparsity, 0, 0.5, logScale: true), "'Sparsity'", "log-scale");

    [TestMethod]
    public void Validate_IntegerRangeFractionalEnd_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Parameters.Add(new SweepParameter { Name = "Rounds", Minimum = 1, Maximum = 2.5, IsInteger = true }), "'Rounds'", "whole-number");

    [TestMethod]
    public void Validate_EmptyChoices_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(new SweepParameter { Name = "Scope" }), "'Scope' has no values");

    [TestMethod]
    public void Validate_SeedSearched_Throws() =>
        AssertRefused<ArgumentException>(o => o.Parameters.Add(SweepParameter.Choice("Seed", 1, 2)), "'Seed' cannot be searched");

    [TestMethod]
    public void Validate_ScoreColumnNotAnOutput_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Metric = SweepMetric.Accuracy("Label", "Probabilities"), "ScoreColumnName", "'Probabilities'");

    [TestMethod]
    public void Validate_NoBaseOptions_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.BaseOptions = null, "BaseOptions");

    [TestMethod]
    public void Validate_NoDirectory_ThrowsNamingIt() =>
        AssertRefused<ArgumentException>(o => o.Directory = "", "Directory");

    [TestMethod]
    public void Validate_ZeroTrials_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.MaxTrials = 0, "MaxTrials");

    [TestMethod]
    public void Validate_NegativeDuration_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.MaxDuration = TimeSpan.FromSeconds(-1), "MaxDuration");

    [TestMethod]
    public void Validate_OneGridPoint_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.GridPointsPerRange = 1, "GridPointsPerRange");

    [TestMethod]
    public void Validate_NoStartupTrials_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.StartupTrials = 0, "StartupTrials");

    [TestMethod]
    public void Validate_ZeroLatencyRepeats_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.LatencyRepeats = 0, "LatencyRepeats");

    [TestMethod]
    public void Validate_ConstraintNotFinite_ThrowsNamingIt() =>
        AssertRefused<ArgumentOutOfRangeException>(o => o.Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, double.NaN)),
            "Constraints[0].Value");

    [TestMethod]
    public void Validate_MethodSpecificPathInSweepOverMethods_AppliesWhereTheMethodHasIt()
    {
        using var fixture = new SweepFixture();
        var options = fixture.Options("methods",
            SweepParameter.Choice(SweepParameter.Method, "magnitude", "coordinate-descent"),
            SweepParameter.Choice("Damping", 0.01, 0.1));
        options.Strategy = SweepStrategy.Grid;

        var result = fixture.Run(options);

        Assert.HasCount(4, result.Trials);
        var cd = (CoordinateDescentPruningOptions)result.Trials[3].Options!;
        Assert.AreEqual(0.1, cd.Damping);
        Assert.IsInstanceOfType<MagnitudePruningOptions>(result.Trials[0].Options, "magnitude has no Damping: the value is recorded, not applied");
    }
}
