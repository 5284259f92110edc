using System;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

/// <summary>StructuredOptions fail when the estimator is built, naming the option; input shapes with a −1 batch work.</summary>
[TestClass]
public sealed class StructuredOptionsTests
{
    private static PruneOptions Options(Action<PruneOptions> edit)
    {
        var options = new PruneOptions
        {
            Model = TestData.Mlp(7, 16, 12), OutputColumnNames = ["Score"], InputColumnNames = ["Features"], Criterion = "magnitude-l2",
            Granularity = PruningGranularity.Neuron, Sparsity = 0.5, Scope = PruningScope.Layer,
        };
        edit(options);
        return options;
    }

    [TestMethod]
    [DataRow(nameof(StructuredOptions.VerifyTolerance))]
    [DataRow(nameof(StructuredOptions.RoundTo))]
    [DataRow(nameof(StructuredOptions.MaxGroupSparsity))]
    [DataRow(nameof(StructuredOptions.VerifyRows))]
    public void Structured_BadValue_RefusedWhenTheEstimatorIsBuiltNamingIt(string option)
    {
        var ml = new MLContext(1);
        var structured = option switch
        {
            nameof(StructuredOptions.VerifyTolerance) => new StructuredOptions { VerifyTolerance = 0 },
            nameof(StructuredOptions.RoundTo) => new StructuredOptions { RoundTo = 0 },
            nameof(StructuredOptions.MaxGroupSparsity) => new StructuredOptions { MaxGroupSparsity = 0 },
            _ => new StructuredOptions { VerifyRows = -1 },
        };

        var ex = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.Pruning().Prune(Options(o => o.Structured = structured)));

        Assert.AreEqual(option, ex.ParamName);
    }

    [TestMethod]
    public void Structured_InputShapesWithBatchMinusOne_PrunesAndVerifies()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(o => o.InputShapes["Features"] = [-1, TestData.FeatureCount])).Fit(TestData.Multiclass(ml));

        Assert.IsTrue(pruned.Report.Structured!.Groups.All(g => g.Kept * 2 == g.Total));
        Assert.IsNotNull(pruned.Report.Structured.Verification);
    }

    [TestMethod]
    public void Structured_IterativeRounds_EndAtTheTargetAndVerify()
    {
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Prune(Options(o => { o.Schedule = PruningSchedule.Iterative; o.Rounds = 3; })).Fit(TestData.Multiclass(ml));

        var groups = pruned.Report.Structured!.Groups;
        CollectionAssert.AreEqual(new[] { 8, 6 }, groups.Select(g => g.Kept).ToArray());
        Assert.IsLessThanOrEqualTo(1e-4, pruned.Report.Structured.Verification!.MaxRelativeDifference);
        StringAssert.Contains(pruned.Report.Method, "iterative (3 rounds)");
    }
}
