using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Benchmarks.MlNetTorchSharpProbe;

/// <summary>A row for the SparseMlp check of our engine.</summary>
internal sealed class MlpRow
{
    public uint Label { get; set; }

    [VectorType(8)]
    public float[] Features { get; set; } = [];
}

/// <summary>A row for TextClassification and SentenceSimilarity.</summary>
internal sealed class TextRow
{
    public string Sentence { get; set; } = "";
    public string Sentence2 { get; set; } = "";
    public string Label { get; set; } = "";
    public float Similarity { get; set; }
}

/// <summary>A row for NamedEntityRecognition: one label per word.</summary>
internal sealed class EntityRow
{
    public string Sentence { get; set; } = "";
    public string[] Label { get; set; } = [];
}

/// <summary>The key values of the entity labels.</summary>
internal sealed class KeyRow
{
    public string Key { get; set; } = "";
}

/// <summary>A row for QuestionAnswer (the trainer's default column names).</summary>
internal sealed class AnswerRow
{
    public string Context { get; set; } = "";
    public string Question { get; set; } = "";
    public string TrainingAnswer { get; set; } = "";
    public int AnswerIndex { get; set; }
}

/// <summary>A row for ObjectDetection: an image file, its labels and boxes (x, y, width, height each).</summary>
internal sealed class BoxRow
{
    public string ImagePath { get; set; } = "";
    public string[] Labels { get; set; } = [];
    public float[] Boxes { get; set; } = [];
}
