using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Tests.Regression;

/// <summary>
/// A small regression problem generated identically here and in the Python snippet that produced the scikit-learn
/// reference numbers (<see cref="LassoScikitLearnReference"/>): an integer LCG, float32 features, labels computed in
/// doubles in a fixed order, then rounded to float32. 8 features: 0, 1, 3, 4 matter, 5 correlates with 0, 2 is noise,
/// 6 is the constant 2.5 and 7 is all zeros.
/// </summary>
internal static class LassoRegressionData
{
    public const int FeatureCount = 8;

    public sealed class Row
    {
        [VectorType(FeatureCount)]
        public float[] Features { get; set; } = [];

        public float Label { get; set; }
    }

    public static Row[] Rows(int count, long seed)
    {
        long state = seed;
        long Next()
        {
            state = ((state * 1103515245) + 12345) % 2147483648;
            return ((state >> 8) % 2001) - 1000;
        }

        var rows = new Row[count];
        for (int i = 0; i < count; i++)
        {
            var r = new float[6];
            for (int j = 0; j < 6; j++)
            {
                r[j] = (float)Next() / 250f;
            }

            r[5] = (r[0] * 0.5f) + (r[5] * 0.2f);
            double noise = Next() / 250.0;
            float label = (float)(3.0 + (1.5 * r[0]) - (2.0 * r[1]) + (0.5 * r[3]) + (0.1 * r[4]) + noise);
            rows[i] = new Row { Features = [r[0], r[1], r[2], r[3], r[4], r[5], 2.5f, 0f], Label = label };
        }

        return rows;
    }

    /// <summary>The 80 training rows of the reference (seed 7).</summary>
    public static IDataView Training(MLContext ml) => ml.Data.LoadFromEnumerable(Rows(80, 7));

    /// <summary>The 40 test rows of the reference (seed 11).</summary>
    public static IDataView Test(MLContext ml) => ml.Data.LoadFromEnumerable(Rows(40, 11));
}
