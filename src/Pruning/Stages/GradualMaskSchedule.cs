using System;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>
/// When, during a training run, gradual pruning updates its masks and to which sparsity: the cubic ramp of Zhu and
/// Gupta (2017) from 0 to the target over a fraction of all steps. The SparseMlp trainers and the Gradual schedule
/// of the pruning estimators share it.
/// </summary>
internal sealed class GradualMaskSchedule
{
    private readonly PolynomialSparsitySchedule _schedule;
    private readonly long _end;

    /// <param name="rows">Training rows.</param>
    /// <param name="batchSize">Rows per step.</param>
    /// <param name="epochs">Epochs of the run.</param>
    /// <param name="target">Final sparsity.</param>
    /// <param name="rampStart">Where the ramp starts, as a fraction of all steps.</param>
    /// <param name="rampEnd">Where it reaches <paramref name="target"/>.</param>
    /// <param name="frequency">Steps between mask updates.</param>
    public GradualMaskSchedule(int rows, int batchSize, int epochs, double target, double rampStart, double rampEnd, int frequency)
    {
        long stepsPerEpoch = (rows + batchSize - 1) / batchSize;
        long totalSteps = Math.Max(1, stepsPerEpoch * epochs);
        long start = (long)Math.Floor(rampStart * totalSteps);
        _end = Math.Max(start + 1, (long)Math.Floor(rampEnd * totalSteps) - 1);
        _schedule = new PolynomialSparsitySchedule(0, target, start, _end, (int)Math.Min(frequency, _end - start));
    }

    /// <summary>A step hook that calls <paramref name="prune"/> with the ramp's sparsity at each pruning step.</summary>
    public Action<long> Hook(Action<double> prune) => step =>
    {
        if (_schedule.IsPruningStep(step) || step == _end) prune(_schedule.SparsityAt(step));
    };
}
