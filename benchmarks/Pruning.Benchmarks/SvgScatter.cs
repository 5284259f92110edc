using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Net;
using System.Text;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// A labelled scatter plot as a small standalone SVG (axes with ticks, one labelled point per measurement, optional dashed
/// target lines), so a benchmark can draw a curve without a plotting package.
/// </summary>
internal static class SvgScatter
{
    /// <summary>One point: its coordinates and the label written beside it.</summary>
    public sealed record Point(double X, double Y, string Label);

    public static string Draw(string title, string xLabel, string yLabel, IReadOnlyList<Point> points, double? xTarget = null, double? yTarget = null)
    {
        const double Width = 640, Height = 440, Left = 70, Right = 20, Top = 40, Bottom = 60;
        var c = CultureInfo.InvariantCulture;
        var xs = points.Select(p => p.X).Concat(xTarget is { } xt ? [xt] : []).ToList();
        var ys = points.Select(p => p.Y).Concat(yTarget is { } yt ? [yt] : []).ToList();
        (double xMin, double xMax) = Range(xs);
        (double yMin, double yMax) = Range(ys);
        double X(double x) => Left + (x - xMin) / (xMax - xMin) * (Width - Left - Right);
        double Y(double y) => Height - Bottom - (y - yMin) / (yMax - yMin) * (Height - Top - Bottom);
        string F(double v) => v.ToString("0.#", c);

        var svg = new StringBuilder();
        svg.AppendLine($"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{F(Width)}\" height=\"{F(Height)}\" font-family=\"sans-serif\" font-size=\"11\">");
        svg.AppendLine($"<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
        svg.AppendLine($"<text x=\"{F(Width / 2)}\" y=\"20\" text-anchor=\"middle\" font-size=\"13\">{WebUtility.HtmlEncode(title)}</text>");
        svg.AppendLine($"<line x1=\"{F(Left)}\" y1=\"{F(Height - Bottom)}\" x2=\"{F(Width - Right)}\" y2=\"{F(Height - Bottom)}\" stroke=\"black\"/>");
        svg.AppendLine($"<line x1=\"{F(Left)}\" y1=\"{F(Top)}\" x2=\"{F(Left)}\" y2=\"{F(Height - Bottom)}\" stroke=\"black\"/>");
        for (int i = 0; i <= 5; i++)
        {
            double xv = xMin + i * (xMax - xMin) / 5, yv = yMin + i * (yMax - yMin) / 5;
            svg.AppendLine($"<text x=\"{F(X(xv))}\" y=\"{F(Height - Bottom + 16)}\" text-anchor=\"middle\">{xv.ToString("0.00", c)}</text>");
            svg.AppendLine($"<text x=\"{F(Left - 6)}\" y=\"{F(Y(yv) + 4)}\" text-anchor=\"end\">{yv.ToString("0.000", c)}</text>");
        }
        svg.AppendLine($"<text x=\"{F(Width / 2)}\" y=\"{F(Height - 18)}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(xLabel)}</text>");
        svg.AppendLine($"<text transform=\"translate(16 {F(Height / 2)}) rotate(-90)\" text-anchor=\"middle\">{WebUtility.HtmlEncode(yLabel)}</text>");
        if (xTarget is { } tx)
            svg.AppendLine($"<line x1=\"{F(X(tx))}\" y1=\"{F(Top)}\" x2=\"{F(X(tx))}\" y2=\"{F(Height - Bottom)}\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>");
        if (yTarget is { } ty)
            svg.AppendLine($"<line x1=\"{F(Left)}\" y1=\"{F(Y(ty))}\" x2=\"{F(Width - Right)}\" y2=\"{F(Y(ty))}\" stroke=\"gray\" stroke-dasharray=\"4 4\"/>");
        foreach (var p in points)
        {
            svg.AppendLine($"<circle cx=\"{F(X(p.X))}\" cy=\"{F(Y(p.Y))}\" r=\"4\" fill=\"steelblue\"/>");
            svg.AppendLine($"<text x=\"{F(X(p.X) + 6)}\" y=\"{F(Y(p.Y) - 6)}\">{WebUtility.HtmlEncode(p.Label)}</text>");
        }
        svg.AppendLine("</svg>");
        return svg.ToString();
    }

    /// <summary>The values' range widened by 5 % each side (or by 1 when all are equal).</summary>
    private static (double Min, double Max) Range(List<double> values)
    {
        double min = values.Min(), max = values.Max();
        double pad = max > min ? (max - min) * 0.05 : 1;
        return (min - pad, max + pad);
    }
}
