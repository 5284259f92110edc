using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning.Cli;

/// <summary>
/// Which model input the data feeds and which outputs are scored: named by options, or the model's only input and all of its
/// outputs. Knows the input's per-row shape (the dimensions after the batch), which the data must fill.
/// </summary>
internal sealed class ModelColumns
{
    private ModelColumns(string input, long[] rowShape, string[] outputs, long? scoreWidth)
    {
        Input = input;
        RowShape = rowShape;
        Outputs = outputs;
        ScoreWidth = scoreWidth;
    }

    /// <summary>The model input the features go to.</summary>
    public string Input { get; }

    /// <summary>The input's dimensions after the batch: [F] for a feature vector, [C, H, W] for an image.</summary>
    public long[] RowShape { get; }

    /// <summary>Values per row the input takes.</summary>
    public long Width => RowShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The scored outputs (the first is the score a metric reads).</summary>
    public string[] Outputs { get; }

    /// <summary>The last dimension of the first output, when declared: the number of classes of a classifier.</summary>
    public long? ScoreWidth { get; }

    /// <summary>Resolves the columns of <paramref name="model"/> (read from <paramref name="path"/>, for messages).</summary>
    /// <exception cref="ArgumentException">A named column is not an input or output of the model, or the model has several inputs and none is named.</exception>
    /// <exception cref="InvalidDataException">The input's shape is not declared with fixed dimensions after the batch.</exception>
    public static ModelColumns Resolve(OnnxModel model, string path, string? inputColumn, IReadOnlyList<string>? outputColumns)
    {
        var graph = model.Graph;
        var initializers = new HashSet<string>(graph.Initializer.Select(i => i.Name), StringComparer.Ordinal);
        string[] inputs = [.. graph.Input.Select(i => i.Name).Where(n => !initializers.Contains(n))];
        string[] outputs = [.. graph.Output.Select(o => o.Name)];
        string input;
        if (!string.IsNullOrEmpty(inputColumn))
        {
            if (!inputs.Contains(inputColumn))
                throw new ArgumentException($"--input-column '{inputColumn}' is not an input of '{path}' (inputs: {string.Join(", ", inputs)}).", "--input-column");
            input = inputColumn;
        }
        else if (inputs.Length == 1)
        {
            input = inputs[0];
        }
        else
        {
            throw new ArgumentException($"'{path}' has {inputs.Length} inputs ({string.Join(", ", inputs)}); name the one the data feeds with --input-column.", "--input-column");
        }
        string[] scored = outputColumns is { Count: > 0 } ? [.. outputColumns] : outputs;
        foreach (string output in scored)
            if (!outputs.Contains(output))
                throw new ArgumentException($"--output-column '{output}' is not an output of '{path}' (outputs: {string.Join(", ", outputs)}).", "--output-column");

        var shape = model.GetShape(input);
        long[] rowShape = shape is { Length: >= 2 } && shape.Skip(1).All(d => d is > 0)
            ? [.. shape.Skip(1).Select(d => d!.Value)]
            : [];
        var scoreShape = model.GetShape(scored[0]);
        long? scoreWidth = scoreShape is { Length: >= 1 } && scoreShape[^1] is > 0 ? scoreShape[^1] : null;
        return new ModelColumns(input, rowShape, scored, scoreWidth);
    }

    /// <summary>The row shape, or a clear error when the model does not declare one the data can be fitted to.</summary>
    public long[] RequireRowShape(string path)
    {
        if (RowShape.Length == 0)
            throw new InvalidDataException($"Input '{Input}' of '{path}' does not declare fixed dimensions after the batch; the data cannot be shaped for it.");
        return RowShape;
    }
}
