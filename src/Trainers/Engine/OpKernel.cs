using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// One compiled node: reads its inputs from <paramref name="slots"/> at indices resolved when the graph was
/// compiled, and stores each output it produces there as a fresh tensor (never one of its inputs, so the engine
/// may dispose inputs and outputs independently).
/// </summary>
/// <param name="slots">Every value of the graph, by slot index; absent optional values are null.</param>
/// <param name="training">Whether the module is in training mode (Dropout is active).</param>
internal delegate void OpKernel(Tensor?[] slots, bool training);
