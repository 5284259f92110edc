namespace Microsoft.ML.Pruning.Training;

/// <summary>One weight ADMM constrains (<see cref="AdmmSettings.Layers"/>).</summary>
/// <param name="Name">The weight's initializer name.</param>
/// <param name="Kept">
/// With <see cref="Algorithms.PruningScope.Layer"/>: how many weights (or, with a unit granularity, how many output units)
/// this layer keeps, at least 1. With <see cref="Algorithms.PruningScope.Global"/>: null (the budget is
/// <see cref="AdmmSettings.KeptTotal"/>).
/// </param>
/// <param name="UnitAxis">
/// The axis of the weight's shape that indexes output units (<see cref="Onnx.PrunableWeight.OutputAxis"/>: 0 for Conv
/// and Gemm with transB = 1, 1 for MatMul); used with a unit granularity, and with <see cref="Algorithms.PruningGranularity.NM"/>,
/// whose groups run along the input dimension: axis 1 when UnitAxis is 0 (Gemm [N, K], Conv [M, C/group, kernel…]), else axis 0 (MatMul [K, N]).
/// </param>
/// <example><code>new AdmmLayer("fc1.weight", Kept: 23520)</code></example>
public sealed record AdmmLayer(string Name, long? Kept = null, int UnitAxis = 0);
