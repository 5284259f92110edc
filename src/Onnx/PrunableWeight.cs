namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// A FLOAT initializer that a layer uses as its weight, found by <see cref="OnnxModel.GetPrunableWeights"/>.
/// </summary>
/// <param name="Name">The initializer's name (read and write it with <see cref="OnnxModel.GetInitializer"/>).</param>
/// <param name="Shape">The initializer's dims (this record's own copy).</param>
/// <param name="NodeName">The consuming node's name, or a generated display name such as "Gemm_3" when it has none (the proto keeps it unnamed).</param>
/// <param name="OpType">The consuming node's operator: Gemm, MatMul or Conv.</param>
/// <param name="NodeIndex">The consuming node's index in the main graph.</param>
/// <param name="InputIndex">Which input of the node the weight is (1 for all current roles).</param>
/// <param name="Role">What the weight is to the node.</param>
/// <param name="OutputAxis">
/// The axis of <paramref name="Shape"/> that indexes output units (neurons or filters): Gemm B 1, or 0 with
/// transB = 1; MatMul 1; Conv 0. Removing index i along it removes output unit i.
/// </param>
/// <param name="ParameterCount">Number of elements.</param>
/// <example>
/// <code>
/// foreach (var w in model.GetPrunableWeights())
///     Console.WriteLine($"{w.NodeName} ({w.OpType}): {w.Name} {string.Join('x', w.Shape)}, {w.OutputUnits} units");
/// </code>
/// </example>
public sealed record PrunableWeight(
    string Name,
    long[] Shape,
    string NodeName,
    string OpType,
    int NodeIndex,
    int InputIndex,
    PrunableWeightRole Role,
    int OutputAxis,
    long ParameterCount)
{
    /// <summary>Number of output units (neurons or filters): the size of <see cref="OutputAxis"/>.</summary>
    public long OutputUnits => Shape[OutputAxis];
}
