using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Structured;

namespace Microsoft.ML.Pruning.Stages;

/// <summary>What the emit stage needs to write a structurally pruned model: the groups and their choice, the options, the dense model and rows to verify on.</summary>
/// <param name="Plan">The dependency groups pruned and the layers left whole.</param>
/// <param name="Choice">Kept flags per group id, and the notes of the selection's bounds.</param>
/// <param name="Options">Removal, dynamic batch, verification and latency options.</param>
/// <param name="Dense">The model before pruning (costs and latency before).</param>
/// <param name="Inputs">How rows feed the model inputs (verification reads <see cref="StructuredOptions.VerifyRows"/> rows through it).</param>
/// <param name="Data">The rows Fit was given.</param>
internal sealed record StructuredEmit(StructuredPlan Plan, StructuredSelection.Result Choice, StructuredOptions Options, OnnxModel Dense, ModelInputBatches Inputs, IDataView Data);
