namespace Microsoft.ML.Pruning.Training;

/// <summary>The element type of a model input held for training: the ONNX input's FLOAT or INT64.</summary>
public enum TrainingElementType
{
    /// <summary>32-bit floats (ONNX FLOAT): features, pixels.</summary>
    Float,

    /// <summary>64-bit integers (ONNX INT64): token ids, attention masks, token type ids.</summary>
    Int64,
}
