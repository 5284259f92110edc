using System.Collections.Generic;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>
/// One batch on the training device: a tensor per model input ([rows, …row shape], float32 or int64; token rows
/// padded with 0 to the batch's longest), the labels (int64 class indices for cross-entropy, else float32; null when
/// the data has none) and the row count. The tensors belong to the dispose scope the batch was built in.
/// </summary>
internal sealed record TrainingBatch(IReadOnlyDictionary<string, Tensor> Inputs, Tensor? Labels, int Rows);
