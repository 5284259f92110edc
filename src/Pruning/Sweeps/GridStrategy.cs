using System;
using System.Collections.Generic;
using System.Linq;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Every combination of the parameters' values (<see cref="SearchDimension.GridValues"/>), the first parameter varying slowest;
/// trial i is combination i − 1, so the order is fixed and a resumed sweep continues where it stopped.
/// </summary>
internal sealed class GridStrategy : ISweepStrategy
{
    private readonly IReadOnlyList<SearchDimension> _dimensions;
    private readonly IReadOnlyList<string>[] _values;

    public GridStrategy(IReadOnlyList<SearchDimension> dimensions, int pointsPerRange)
    {
        _dimensions = dimensions;
        _values = [.. dimensions.Select(d => d.GridValues(pointsPerRange))];
        long count = 1;
        foreach (var v in _values) count = checked(count * v.Count);
        Count = count;
    }

    /// <summary>The number of combinations.</summary>
    public long Count { get; }

    /// <inheritdoc />
    public IReadOnlyDictionary<string, string>? Propose(int trialId, IReadOnlyList<SweepTrial> finished)
    {
        long index = trialId - 1L;
        if (index < 0 || index >= Count) return null;
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var digits = new int[_values.Length];
        for (int d = _values.Length - 1; d >= 0; d--)
        {
            digits[d] = (int)(index % _values[d].Count);
            index /= _values[d].Count;
        }
        for (int d = 0; d < _values.Length; d++) result[_dimensions[d].Name] = _values[d][digits[d]];
        return result;
    }
}
