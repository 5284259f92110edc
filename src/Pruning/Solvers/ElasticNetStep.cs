namespace Microsoft.ML.Pruning.Solvers;

/// <summary>One α of a path: the solution β (centered coordinates) and how the solve went (objective times n, gap relative to ‖ỹ‖²).</summary>
internal sealed record ElasticNetStep(double Alpha, double[] Beta, LassoRowResult Result);
