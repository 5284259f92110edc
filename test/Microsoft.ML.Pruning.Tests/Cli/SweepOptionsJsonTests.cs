using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Cli;

[TestClass]
public sealed class SweepOptionsJsonTests
{
    [TestMethod]
    public void Write_ThenRead_KeepsBaseOptionsTypeParametersAndObjective()
    {
        var options = new SweepOptions
        {
            BaseOptions = new PruneOptions { ModelPath = "m.onnx", Criterion = "wanda", Sparsity = 0.7 },
            Parameters = { SweepParameter.Range(SweepParameter.Sparsity, 0.5, 0.95), SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda") },
            Metric = SweepMetric.Accuracy("Label", "Score"),
            Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.Bytes, 0.15, SweepReference.FractionOfDense)),
            Strategy = SweepStrategy.Random, MaxTrials = 7,
        };
        string json = SweepOptionsJson.Write(options);
        StringAssert.Contains(json, "\"Strategy\": \"Random\"");
        var read = SweepOptionsJson.Read(json);
        Assert.AreEqual("wanda", ((PruneOptions)read.BaseOptions!).Criterion);
        Assert.AreEqual(0.7, read.BaseOptions.Sparsity);
        Assert.HasCount(2, read.Parameters);
        Assert.AreEqual(SweepQuantity.Bytes, read.Objective.Constraints[0].Quantity);
        Assert.AreEqual(7, read.MaxTrials);
    }

    [TestMethod]
    public void Read_NotSweepOptions_ThrowsInvalidData()
    {
        Assert.ThrowsExactly<System.IO.InvalidDataException>(() => SweepOptionsJson.Read("{\"MaxTrials\": \"many\"}"));
        Assert.ThrowsExactly<System.IO.InvalidDataException>(() => SweepOptionsJson.ReadPruningOptions("{\"$method\": \"nonsense\"}"));
    }
}
