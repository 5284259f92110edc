using System;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// Rows held in memory for training: a dense row-major feature matrix and one label per row
/// (class index for cross-entropy, 0/1 for binary, a value for regression), or no labels (distillation alone).
/// </summary>
public sealed class TrainingData
{
    /// <summary>Wraps arrays without copying.</summary>
    public TrainingData(float[] features, int featureCount, float[] labels)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length != (long)labels.Length * featureCount)
            throw new ArgumentException($"{labels.Length} labels need {(long)labels.Length * featureCount} feature values; {features.Length} were given.");
        Features = features;
        FeatureCount = featureCount;
        Labels = labels;
        RowCount = labels.Length;
    }

    /// <summary>Wraps unlabelled rows without copying (training towards a teacher's outputs).</summary>
    public TrainingData(float[] features, int featureCount)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(featureCount);
        if (features.Length % featureCount != 0)
            throw new ArgumentException($"{features.Length} feature values are not a whole number of rows of {featureCount}.");
        Features = features;
        FeatureCount = featureCount;
        RowCount = features.Length / featureCount;
    }

    /// <summary>Row-major features, <see cref="RowCount"/> × <see cref="FeatureCount"/>.</summary>
    public float[] Features { get; }

    /// <summary>Features per row.</summary>
    public int FeatureCount { get; }

    /// <summary>One label per row; null for unlabelled rows.</summary>
    public float[]? Labels { get; }

    /// <summary>Rows.</summary>
    public int RowCount { get; }
}
