using System;
using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// Rows held in memory for training: one or more named model inputs (<see cref="TrainingInput"/>: float features or
/// images, int64 tokens) and, optionally, one label per row (class index for cross-entropy, 0/1 for binary, a value
/// for regression). Labels are null when the loss needs none (distillation from the unpruned model).
/// </summary>
/// <example>
/// <code>
/// var mlp = new TrainingData(features, 784, labels);   // one float input, the model's only one
/// var bert = new TrainingData([ids, mask, types], labels: null);
/// </code>
/// </example>
public sealed class TrainingData
{
    /// <summary>One float input (the model's only input), <paramref name="featureCount"/> values per row; wraps the arrays.</summary>
    public TrainingData(float[] features, int featureCount, float[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * featureCount} feature values; {features.Length} were given.");
        Inputs = [TrainingInput.FromFloats(null, features, [featureCount])];
        Labels = labels;
        RowCount = labels.Length;
    }

    /// <summary>One float input (the model's only input) without labels (training towards a teacher's outputs); wraps the array.</summary>
    public TrainingData(float[] features, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {featureCount}.");
        Inputs = [TrainingInput.FromFloats(null, features, [featureCount])];
        RowCount = features.Length / featureCount;
    }

    /// <summary>Several inputs (at least one, all with the same row count, names distinct) and optional labels.</summary>
    public TrainingData(IReadOnlyList<TrainingInput> inputs, float[]? labels)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("Training data needs at least one input.", nameof(inputs));
        int rows = inputs[0].RowCount;
        var names = new HashSet<string?>();
        foreach (var input in inputs)
        {
            ArgumentNullException.ThrowIfNull(input, nameof(inputs));
            if (input.RowCount != rows)
                throw new ArgumentException($"Input '{input.Name}' has {input.RowCount} rows; input '{inputs[0].Name}' has {rows}.", nameof(inputs));
            if (!names.Add(input.Name))
                throw new ArgumentException($"Input '{input.Name}' is given twice.", nameof(inputs));
        }
        if (inputs.Count > 1 && names.Contains(null))
            throw new ArgumentException("With several inputs every input needs the name of the model input it feeds.", nameof(inputs));
        if (labels is not null && labels.Length != rows)
            throw new ArgumentException($"{labels.Length} labels were given for {rows} rows.", nameof(labels));
        Inputs = [.. inputs];
        Labels = labels;
        RowCount = rows;
    }

    /// <summary>The model inputs, each with its rows.</summary>
    public IReadOnlyList<TrainingInput> Inputs { get; }

    /// <summary>One label per row, or null when the loss needs none.</summary>
    public float[]? Labels { get; }

    /// <summary>Rows.</summary>
    public int RowCount { get; }

    /// <summary>The values of the only input, when it is a float input with fixed-size rows (the SparseMlp form).</summary>
    /// <exception cref="InvalidOperationException">The data has several inputs, or its input is not float.</exception>
    public float[] Features => Single().Floats!;

    /// <summary>Values per row of the only input (see <see cref="Features"/>).</summary>
    public int FeatureCount => Single().RowWidth;

    private TrainingInput Single() =>
        Inputs.Count == 1 && Inputs[0].ElementType == TrainingElementType.Float && !Inputs[0].IsVariableLength
            ? Inputs[0]
            : throw new InvalidOperationException(
                $"Features and FeatureCount describe data with one float input; this data has inputs {string.Join(", ", Inputs.Select(i => $"'{i.Name}' ({i.ElementType})"))}.");
}
