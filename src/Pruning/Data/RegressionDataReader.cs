using System;
using System.IO;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Solvers;

namespace Microsoft.ML.Pruning.Data;

/// <summary>
/// Reads a regression's Features (known-size vector of Single) and Label (Single) columns into
/// <see cref="RegressionSums"/>, one per cross-validation fold, in two passes over the data: the first counts the
/// rows, checks every value and takes the means (the shift), the second adds each row, shifted, to its fold's sums.
/// Nothing of size rows × features is kept.
/// </summary>
internal static class RegressionDataReader
{
    /// <summary>Checks the two columns as ML.NET's regression trainers want them; returns the feature count.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A column is missing or of another type (ML.NET's wording).</exception>
    public static int CheckSchema(DataViewSchema schema, string featureColumn, string labelColumn, string featureParameter, string labelParameter)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var features = ColumnChecks.Find(schema, featureColumn, featureParameter);
        if (features.Type is not VectorDataViewType { IsKnownSize: true } vector || vector.ItemType != NumberDataViewType.Single)
        {
            throw ColumnChecks.Mismatch(featureParameter, featureColumn, "known-size vector of Single", features.Type);
        }

        var label = ColumnChecks.Find(schema, labelColumn, labelParameter);
        if (label.Type != NumberDataViewType.Single)
        {
            throw ColumnChecks.Mismatch(labelParameter, labelColumn, "Single", label.Type);
        }

        return vector.Size;
    }

    /// <summary>
    /// Reads the rows into <paramref name="folds"/> sums. Folds are contiguous blocks of rows as scikit-learn's
    /// <c>KFold</c> makes them (the first rows % folds folds one row larger), in row order, or in the order of a
    /// permutation drawn from <paramref name="shuffleSeed"/> when one is given.
    /// </summary>
    /// <exception cref="InvalidDataException">A NaN or infinite feature or label (column, row and slot named).</exception>
    /// <exception cref="InvalidOperationException">No rows, or fewer rows than folds.</exception>
    public static RegressionData Read(IDataView data, string featureColumn, string labelColumn, int folds, int? shuffleSeed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 1);
        int p = ((VectorDataViewType)data.Schema[featureColumn].Type).Size;
        var featureMeans = new double[p];
        double labelMean = 0;
        long rows = 0;
        var x = new double[p];
        foreach (var (_, label) in Rows(data, featureColumn, labelColumn, x, check: true))
        {
            for (int j = 0; j < p; j++)
            {
                featureMeans[j] += x[j];
            }

            labelMean += label;
            rows++;
        }

        if (rows == 0)
        {
            throw new InvalidOperationException("The training data has no rows.");
        }

        if (rows < folds)
        {
            throw new InvalidOperationException(
                $"{folds}-fold cross-validation needs at least {folds} rows; the training data has {rows}. Give Alpha, or fewer folds (NumberOfFolds).");
        }

        for (int j = 0; j < p; j++)
        {
            featureMeans[j] /= rows;
        }

        labelMean /= rows;
        int[]? foldOf = folds > 1 ? FoldAssignment(rows, folds, shuffleSeed) : null;
        var sums = new RegressionSums[folds];
        for (int k = 0; k < folds; k++)
        {
            sums[k] = new RegressionSums(p);
        }

        var z = new double[p];
        foreach (var (row, label) in Rows(data, featureColumn, labelColumn, x, check: false))
        {
            if (row >= rows)
            {
                throw new InvalidOperationException($"The training data gave more rows on its second pass than on its first ({rows}); it must be repeatable.");
            }

            for (int j = 0; j < p; j++)
            {
                z[j] = x[j] - featureMeans[j];
            }

            sums[foldOf is null ? 0 : foldOf[row]].Add(z, label - labelMean);
        }

        long second = 0;
        foreach (var s in sums)
        {
            s.CompleteSymmetry();
            second += s.Rows;
        }

        if (second != rows)
        {
            throw new InvalidOperationException($"The training data gave {second} rows on its second pass and {rows} on its first; it must be repeatable.");
        }

        return new RegressionData(sums, featureMeans, labelMean, rows);
    }

    /// <summary>The fold of each row: contiguous blocks of sizes ⌈rows/folds⌉ then ⌊rows/folds⌋ over the (shuffled) order.</summary>
    private static int[] FoldAssignment(long rows, int folds, int? shuffleSeed)
    {
        if (rows > Array.MaxLength)
        {
            throw new InvalidOperationException($"Cross-validation assigns each row a fold in memory; {rows:N0} rows are too many. Give Alpha instead.");
        }

        int n = (int)rows;
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
        }

        if (shuffleSeed is int seed)
        {
            new Random(seed).Shuffle(order);
        }

        var foldOf = new int[n];
        int position = 0;
        for (int k = 0; k < folds; k++)
        {
            int size = (n / folds) + (k < n % folds ? 1 : 0);
            for (int i = 0; i < size; i++)
            {
                foldOf[order[position++]] = k;
            }
        }

        return foldOf;
    }

    /// <summary>Each row's index and label, its features written into <paramref name="features"/> (densified).</summary>
    private static System.Collections.Generic.IEnumerable<(long Row, double Label)> Rows(IDataView data, string featureColumn, string labelColumn,
        double[] features, bool check)
    {
        var featureCol = data.Schema[featureColumn];
        var labelCol = data.Schema[labelColumn];
        using var cursor = data.GetRowCursor([featureCol, labelCol]);
        var featureGetter = cursor.GetGetter<VBuffer<float>>(featureCol);
        var labelGetter = cursor.GetGetter<float>(labelCol);
        VBuffer<float> buffer = default;
        float label = 0;
        long row = 0;
        while (cursor.MoveNext())
        {
            featureGetter(ref buffer);
            labelGetter(ref label);
            Array.Clear(features);
            var values = buffer.GetValues();
            if (buffer.IsDense)
            {
                for (int j = 0; j < values.Length; j++)
                {
                    features[j] = values[j];
                }
            }
            else
            {
                var indices = buffer.GetIndices();
                for (int i = 0; i < values.Length; i++)
                {
                    features[indices[i]] = values[i];
                }
            }

            if (check)
            {
                for (int j = 0; j < features.Length; j++)
                {
                    if (!double.IsFinite(features[j]))
                    {
                        throw new InvalidDataException(
                            $"Column '{featureColumn}' has a {Describe(features[j])} value at row {row}, slot {j}; remove or fill such rows first (e.g. ReplaceMissingValues).");
                    }
                }

                if (!float.IsFinite(label))
                {
                    throw new InvalidDataException(
                        $"Column '{labelColumn}' has a {Describe(label)} value at row {row}; remove or fill such rows first (e.g. FilterRowsByMissingValues).");
                }
            }

            yield return (row, label);
            row++;
        }
    }

    private static string Describe(double value) => double.IsNaN(value) ? "NaN (missing)" : value > 0 ? "+∞" : "−∞";
}

/// <summary>What <see cref="RegressionDataReader.Read"/> gives: per-fold sums about the shift, the shift, and the row count.</summary>
internal sealed record RegressionData(RegressionSums[] Folds, double[] FeatureMeans, double LabelMean, long Rows);
