using System;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// What the engine knows about one ONNX operator: how many inputs and outputs a node may have, and how to
/// compile a node into an <see cref="OpKernel"/>. The compiler checks the counts before calling
/// <see cref="Compile"/>; <see cref="Compile"/> validates attributes and may return null when the node is fully
/// evaluated at compile time (its outputs defined through <see cref="NodeContext.DefineConstantOutput"/>).
/// A <see cref="Foldable"/> op whose inputs are all compile-time constants is run once by the compiler and its
/// outputs kept as constants; ops that draw random numbers or depend on the training mode must not be foldable.
/// </summary>
internal sealed record OpDefinition(
    int MinInputs, int MaxInputs, int MinOutputs, int MaxOutputs, Func<NodeContext, OpKernel?> Compile, bool Foldable = true);
