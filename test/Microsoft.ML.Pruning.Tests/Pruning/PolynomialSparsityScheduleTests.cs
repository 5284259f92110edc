using System;
using Microsoft.ML.Pruning.Algorithms;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Pruning;

[TestClass]
public sealed class PolynomialSparsityScheduleTests
{
    private static readonly PolynomialSparsitySchedule Schedule = new(initialSparsity: 0.1, finalSparsity: 0.9, startStep: 100, endStep: 1100, frequency: 100);

    [TestMethod]
    public void SparsityAt_StartAndBefore_IsInitial()
    {
        Assert.AreEqual(0.1, Schedule.SparsityAt(0));
        Assert.AreEqual(0.1, Schedule.SparsityAt(100));
    }

    [TestMethod]
    public void SparsityAt_EndAndAfter_IsFinal()
    {
        Assert.AreEqual(0.9, Schedule.SparsityAt(1100));
        Assert.AreEqual(0.9, Schedule.SparsityAt(1_000_000));
    }

    [TestMethod]
    public void SparsityAt_Middle_FollowsCubicRamp()
    {
        // s = s_f + (s_i - s_f)(1 - 0.5)^3 = 0.9 - 0.8/8
        Assert.AreEqual(0.8, Schedule.SparsityAt(600), 1e-12);
        // A quarter in: 0.9 - 0.8 * 0.75^3
        Assert.AreEqual(0.9 - 0.8 * 0.421875, Schedule.SparsityAt(350), 1e-12);
    }

    [TestMethod]
    public void SparsityAt_AlongRamp_NeverDecreasesAndStaysInRange()
    {
        double previous = 0;
        for (long step = 0; step <= 1200; step++)
        {
            double s = Schedule.SparsityAt(step);
            Assert.IsTrue(s >= previous && s >= 0.1 && s <= 0.9, $"step {step}: {s}");
            previous = s;
        }
    }

    [TestMethod]
    public void SparsityAt_ExponentOne_IsLinear()
    {
        var linear = new PolynomialSparsitySchedule(0, 0.5, 0, 10, 1, exponent: 1);

        Assert.AreEqual(0.25, linear.SparsityAt(5), 1e-12);
    }

    [TestMethod]
    public void IsPruningStep_EveryFrequencyStepsWithinRange_IsTrue()
    {
        Assert.IsFalse(Schedule.IsPruningStep(0));
        Assert.IsTrue(Schedule.IsPruningStep(100));
        Assert.IsFalse(Schedule.IsPruningStep(150));
        Assert.IsTrue(Schedule.IsPruningStep(200));
        Assert.IsTrue(Schedule.IsPruningStep(1100));
        Assert.IsFalse(Schedule.IsPruningStep(1200));
    }

    [TestMethod]
    public void IsPruningStep_EndNotOnFrequency_EndIsStillAPruningStep()
    {
        var schedule = new PolynomialSparsitySchedule(0, 0.8, 0, 250, 100);

        Assert.IsTrue(schedule.IsPruningStep(200));
        Assert.IsFalse(schedule.IsPruningStep(240));
        Assert.IsTrue(schedule.IsPruningStep(250));
        Assert.AreEqual(0.8, schedule.SparsityAt(250));
    }

    [TestMethod]
    [DataRow(-0.1, 0.5, 0L, 10L, 1L, 3.0, "initialSparsity")]
    [DataRow(double.NaN, 0.5, 0L, 10L, 1L, 3.0, "initialSparsity")]
    [DataRow(0.0, 1.0, 0L, 10L, 1L, 3.0, "finalSparsity")]
    [DataRow(0.6, 0.5, 0L, 10L, 1L, 3.0, "finalSparsity")]
    [DataRow(0.0, 0.5, -1L, 10L, 1L, 3.0, "startStep")]
    [DataRow(0.0, 0.5, 10L, 10L, 1L, 3.0, "endStep")]
    [DataRow(0.0, 0.5, 0L, 10L, 0L, 3.0, "frequency")]
    [DataRow(0.0, 0.5, 0L, 10L, 1L, 0.0, "exponent")]
    [DataRow(0.0, 0.5, 0L, 10L, 1L, double.PositiveInfinity, "exponent")]
    public void Constructor_ArgumentOutOfRange_ThrowsNamingArgument(double initial, double final, long start, long end, long frequency, double exponent, string name)
    {
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PolynomialSparsitySchedule(initial, final, start, end, frequency, exponent));

        Assert.AreEqual(name, e.ParamName);
        StringAssert.Contains(e.Message, name);
    }
}
