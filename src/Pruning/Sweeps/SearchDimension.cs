using System;
using System.Collections.Generic;
using System.Globalization;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// One <see cref="SweepParameter"/> as the strategies see it: a list of choices, or a numeric range (whole numbers, log scale)
/// with its values written as invariant-culture text. Strategies draw and model in <see cref="ToSearchSpace"/> coordinates
/// (the logarithm for log ranges) and give the sweep text through <see cref="Format"/>.
/// </summary>
internal sealed class SearchDimension
{
    public SearchDimension(SweepParameter parameter)
    {
        Name = parameter.Name;
        if (parameter.IsRange)
        {
            Minimum = parameter.Minimum!.Value;
            Maximum = parameter.Maximum!.Value;
            IsInteger = parameter.IsInteger;
            LogScale = parameter.LogScale;
            Choices = [];
        }
        else Choices = [.. parameter.Values];
    }

    /// <summary>The parameter's name (option path or special name).</summary>
    public string Name { get; }

    /// <summary>The choices of a categorical parameter; empty for a range.</summary>
    public IReadOnlyList<string> Choices { get; }

    /// <summary>Whether this is a list of choices.</summary>
    public bool IsCategorical => Choices.Count > 0;

    /// <summary>Lower end of a range (inclusive).</summary>
    public double Minimum { get; }

    /// <summary>Upper end of a range (inclusive).</summary>
    public double Maximum { get; }

    /// <summary>Whether the range takes whole numbers.</summary>
    public bool IsInteger { get; }

    /// <summary>Whether the range is searched on a log scale.</summary>
    public bool LogScale { get; }

    /// <summary>The range's lower end in search coordinates (widened by half a step for integers, so that rounding is fair to the ends).</summary>
    public double SearchMinimum => ToSearchSpace(IsInteger ? Math.Max(Minimum - 0.5, LogScale ? Minimum * 0.5 : double.NegativeInfinity) : Minimum);

    /// <summary>The range's upper end in search coordinates.</summary>
    public double SearchMaximum => ToSearchSpace(IsInteger ? Maximum + 0.5 : Maximum);

    /// <summary>A value of the range in search coordinates: its logarithm on a log scale, else itself.</summary>
    public double ToSearchSpace(double value) => LogScale ? Math.Log(value) : value;

    /// <summary>The inverse of <see cref="ToSearchSpace"/>, rounded for integers and clipped to the range.</summary>
    public double FromSearchSpace(double coordinate)
    {
        double value = LogScale ? Math.Exp(coordinate) : coordinate;
        if (IsInteger) value = Math.Round(value, MidpointRounding.AwayFromZero);
        return Math.Clamp(value, Minimum, Maximum);
    }

    /// <summary>A range value as the text the sweep stores and applies: a whole number for integer ranges, else round-trip.</summary>
    public string Format(double value) => IsInteger
        ? ((long)Math.Round(value, MidpointRounding.AwayFromZero)).ToString(CultureInfo.InvariantCulture)
        : value.ToString("R", CultureInfo.InvariantCulture);

    /// <summary>Reads a stored value of a range back, or gives false when it is not a number.</summary>
    public static bool TryParse(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    /// <summary>
    /// The values the grid strategy tries: every choice, or the range cut into <paramref name="pointsPerRange"/> evenly spaced
    /// points (geometrically for log ranges), integers rounded and deduplicated; ascending.
    /// </summary>
    public IReadOnlyList<string> GridValues(int pointsPerRange)
    {
        if (IsCategorical) return Choices;
        var values = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        double low = ToSearchSpace(Minimum), high = ToSearchSpace(Maximum);
        int points = Minimum == Maximum ? 1 : pointsPerRange;
        for (int i = 0; i < points; i++)
        {
            double coordinate = points == 1 ? low : low + (high - low) * i / (points - 1);
            // The ends exactly, whatever exp(log(x)) rounds to.
            double value = i == 0 ? Minimum : i == points - 1 ? Maximum : FromSearchSpace(coordinate);
            string text = Format(value);
            if (seen.Add(text)) values.Add(text);
        }
        return values;
    }
}
