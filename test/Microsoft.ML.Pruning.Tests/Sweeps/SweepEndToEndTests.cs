using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Sweeps;

[TestClass]
public sealed class SweepEndToEndTests
{
    /// <summary>
    /// The real runner (<see cref="LocalTrialRunner"/> → TrialExecutor) on the tiny MLP: every trial pruned and measured in this
    /// process. Needs the executor slice (TrialExecutor.Run) to pass.
    /// </summary>
    [TestMethod]
    [TestCategory("needs-executor")]
    public void Sweep_LocalRunnerOnTinyMlp_MeasuresEveryTrialAndChoosesWithinBudget()
    {
        using var fixture = new SweepFixture(rows: 90);
        var options = fixture.Options("local",
            SweepParameter.Choice(SweepParameter.Method, "magnitude", "wanda"),
            SweepParameter.Choice(SweepParameter.Sparsity, 0.3, 0.8));
        options.Strategy = SweepStrategy.Grid;
        options.LatencyBatchSize = 4;
        options.Objective = SweepObjective.MaximizeMetric(SweepConstraint.AtMost(SweepQuantity.NonZeroParameters, 0.5, SweepReference.FractionOfDense));

        var result = fixture.Context.Pruning().Sweep(options).Run(fixture.Train, fixture.Validation, new LocalTrialRunner(fixture.Context));

        Assert.AreEqual(8 * 16 + 16 * 3, result.Dense.Parameters);
        Assert.AreEqual(result.Dense.Parameters, result.Dense.NonZeroParameters, "the dense model is unpruned");
        Assert.IsGreaterThan(0L, result.Dense.Bytes);
        Assert.HasCount(4, result.Trials);
        foreach (var trial in result.Trials)
        {
            Assert.AreEqual(TrialStatus.Succeeded, trial.Status, trial.Error);
            var m = trial.Measurement!;
            Assert.AreEqual(trial.Options!.Sparsity, m.Sparsity, 0.02, $"trial {trial.Id}");
            Assert.IsTrue(m.Metric is >= 0 and <= 1, $"accuracy {m.Metric}");
            Assert.IsGreaterThan(0.0, m.LatencyBatch1Milliseconds);
            Assert.IsTrue(File.Exists(Path.Combine(options.Directory, $"trial-{trial.Id}.onnx")), $"trial-{trial.Id}.onnx kept");
        }
        Assert.IsTrue(result.ConstraintsMet);
        Assert.AreEqual("0.8", result.Best!.Parameters[SweepParameter.Sparsity], "only the 80 % trials keep at most half the parameters");
        Assert.IsLessThan(result.Dense.Bytes, result.Best.Measurement!.Bytes);
        Assert.IsNotNull(result.Chosen);
        Assert.AreEqual(0.8, result.Chosen.Report.Sparsity, 0.01);
        Assert.IsTrue(result.ParetoByBytes.Count >= 1 && result.ParetoByBytes.All(t => t.Status == TrialStatus.Succeeded));
        Assert.IsTrue(result.ParetoByLatency.Count >= 1);
        Assert.IsTrue(result.Trials.Select(t => t.Worker).All(w => w == "local"));
    }
}
