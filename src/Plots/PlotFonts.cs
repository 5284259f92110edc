using System;
using System.IO;
using ScottPlot;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// The one font of every plot: DejaVu Sans (a subset embedded in this assembly), served to ScottPlot under a
/// private family name so that text renders on machines without fonts (Skia's Linux build scans /usr/share/fonts itself and
/// draws nothing when it is empty) and looks the same everywhere. The private name leaves the caller's own ScottPlot plots alone.
/// </summary>
internal static class PlotFonts
{
    /// <summary>The family name plots are given; <see cref="Register"/> makes ScottPlot resolve it to the embedded font.</summary>
    public const string Family = "Microsoft.ML.Pruning.Plots Sans";

    /// <summary>The embedded font's own family name, which Skia writes into SVG text.</summary>
    public const string EmbeddedFamily = "DejaVu Sans";

    /// <summary>What SVG files name instead of <see cref="EmbeddedFamily"/>: it, then common fallbacks.</summary>
    public const string SvgFamily = "DejaVu Sans, Verdana, Arial, sans-serif";

    private static readonly object Gate = new();
    private static bool registered;

    /// <summary>Adds the resolver to ScottPlot's list once per process.</summary>
    public static void Register()
    {
        lock (Gate)
        {
            if (registered) return;
            Fonts.FontResolvers.Insert(0, new EmbeddedFontResolver());
            registered = true;
        }
    }

    private static byte[] ReadResource(string name)
    {
        using Stream stream = typeof(PlotFonts).Assembly.GetManifestResourceStream(name)
            ?? throw new InvalidOperationException($"The embedded font '{name}' is missing from {typeof(PlotFonts).Assembly.GetName().Name}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>
    /// Resolves <see cref="Family"/> to the embedded regular face whatever weight is asked (the plots use one weight; a bold request
    /// answered by the system would bring a system font back). A new SKTypeface per call: ScottPlot caches and owns what it gets.
    /// </summary>
    private sealed class EmbeddedFontResolver : IFontResolver
    {
        private readonly Lazy<byte[]> regular = new(() => ReadResource("Microsoft.ML.Pruning.Plots.Fonts.DejaVuSans.ttf"));

        public SKTypeface? CreateTypeface(string fontName, bool bold, bool italic) =>
            string.Equals(fontName, Family, StringComparison.Ordinal) ? Create() : null;

        public SKTypeface? CreateTypeface(string fontName, FontWeight weight, FontSlant slant, FontSpacing spacing) =>
            string.Equals(fontName, Family, StringComparison.Ordinal) ? Create() : null;

        private SKTypeface Create()
        {
            using var data = SKData.CreateCopy(regular.Value);
            return SKTypeface.FromData(data) ?? throw new InvalidOperationException("Skia could not read the embedded font.");
        }
    }
}
