namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>How a sweep chooses its next trials.</summary>
public enum SweepStrategy
{
    /// <summary>Every combination of the parameters' values (ranges cut into <see cref="SweepOptions.GridPointsPerRange"/> points), in order, up to the budget.</summary>
    Grid = 0,

    /// <summary>Independent uniform draws (log-uniform for log ranges) from the seed.</summary>
    Random = 1,

    /// <summary>
    /// Tree-structured Parzen estimator (Bergstra et al. 2011, Optuna's and Hyperopt's default): random draws for the first
    /// <see cref="SweepOptions.StartupTrials"/>, then draws from the density of the best quarter of the trials so far over that
    /// of the rest, with infeasible trials ranked below every feasible one by how far they miss the constraints.
    /// </summary>
    Tpe = 2,
}
