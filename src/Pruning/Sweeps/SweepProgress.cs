namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>Reported after each finished trial (and the dense measurement, <paramref name="Trial"/> null), for progress bars.</summary>
/// <param name="Completed">Trials finished so far, resumed ones included.</param>
/// <param name="Budget">The sweep's trial budget.</param>
/// <param name="Trial">The trial that just finished.</param>
/// <param name="Best">The best trial so far by the objective (feasible first), if any.</param>
public sealed record SweepProgress(int Completed, int Budget, SweepTrial? Trial, SweepTrial? Best);
