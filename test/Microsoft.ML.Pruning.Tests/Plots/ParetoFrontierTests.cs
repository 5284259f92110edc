using System.Linq;
using System.Threading.Tasks;
using Microsoft.ML.Pruning.Plots;
using Microsoft.ML.Pruning.Sweeps;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Plots;

[TestClass]
public sealed class ParetoFrontierTests
{
    [TestMethod]
    public void Of_HigherIsBetter_KeepsCheapestForEachImprovementInCostOrder()
    {
        double[] cost = [5, 1, 3, 2, 4, 3];
        double[] metric = [0.99, 0.80, 0.95, 0.79, 0.90, 0.95];
        // 1 (cost 1, .80) dominates 3 (cost 2, .79); 4 (cost 4, .90) is beaten by 2 (cost 3, .95); 5 ties 2 and comes later.
        CollectionAssert.AreEqual(new[] { 1, 2, 0 }, ParetoFrontier.Of(cost, metric, higherIsBetter: true).ToArray());
    }

    [TestMethod]
    public void Of_LowerIsBetter_MetricFallsAlongTheFront()
    {
        double[] cost = [1, 2, 3, 4];
        double[] rmse = [0.9, 0.5, 0.7, 0.2];
        CollectionAssert.AreEqual(new[] { 0, 1, 3 }, ParetoFrontier.Of(cost, rmse, higherIsBetter: false).ToArray());
    }

    [TestMethod]
    public void Of_EqualCostDifferentMetric_KeepsOnlyTheBetter()
    {
        CollectionAssert.AreEqual(new[] { 1 }, ParetoFrontier.Of([2, 2], [0.5, 0.6], higherIsBetter: true).ToArray());
    }

    [TestMethod]
    public void Plots_RenderedInParallel_AllValid()
    {
        var sweep = PlotFixtures.Sweep();
        var pngs = new byte[8][];
        Parallel.For(0, pngs.Length, i => pngs[i] = (i % 2 == 0 ? PruningPlots.ParetoFront(sweep, SweepQuantity.Bytes) : PruningPlots.Sensitivity(PlotFixtures.Sensitivity())).ToPng(320, 240));
        foreach (byte[] png in pngs) ImageChecks.AssertPng(png, 320, 240);
    }
}
