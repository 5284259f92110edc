using System;
using System.Text;
using Microsoft.ML.Pruning.Onnx;
using ScottPlot;

namespace Microsoft.ML.Pruning.Plots;

/// <summary>
/// One plot made by <see cref="PruningPlots"/>: rendered to PNG or SVG (bytes, text or a file, written atomically) or to an HTML
/// <c>&lt;img&gt;</c> for notebooks. Each plot has a default size that suits its content (a bar per layer makes a tall plot);
/// every method also takes an explicit one. The ScottPlot <see cref="ScottPlot.Plot"/> is exposed for further styling.
/// </summary>
/// <example>
/// <code>
/// PruningPlot plot = PruningPlots.LayerSparsity(pruned.Report);
/// plot.SavePng("layers.png");            // default size
/// plot.SaveSvg("layers.svg", 1200, 800); // explicit size
/// string html = plot.ToHtml();           // &lt;img src="data:image/png;base64,…"&gt; for a notebook
/// </code>
/// </example>
public sealed class PruningPlot
{
    /// <summary>The largest width or height accepted, in pixels.</summary>
    public const int MaxSize = 10_000;

    internal PruningPlot(Plot plot, string title, int defaultWidth, int defaultHeight)
    {
        Plot = plot;
        Title = title;
        DefaultWidth = defaultWidth;
        DefaultHeight = defaultHeight;
    }

    /// <summary>The ScottPlot plot, for styling beyond what the factory does.</summary>
    public Plot Plot { get; }

    /// <summary>The plot's title (also the alt text of <see cref="ToHtml()"/>).</summary>
    public string Title { get; }

    /// <summary>Width in pixels used when none is given.</summary>
    public int DefaultWidth { get; }

    /// <summary>Height in pixels used when none is given.</summary>
    public int DefaultHeight { get; }

    /// <summary>The plot as PNG bytes at its default size.</summary>
    public byte[] ToPng() => ToPng(DefaultWidth, DefaultHeight);

    /// <summary>The plot as PNG bytes.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not in [1, <see cref="MaxSize"/>].</exception>
    public byte[] ToPng(int width, int height)
    {
        CheckSize(width, height);
        return Plot.GetImageBytes(width, height, ImageFormat.Png);
    }

    /// <summary>The plot as an SVG document at its default size.</summary>
    public string ToSvg() => ToSvg(DefaultWidth, DefaultHeight);

    /// <summary>The plot as an SVG document (text as text, in DejaVu Sans or the viewer's sans-serif font).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not in [1, <see cref="MaxSize"/>].</exception>
    public string ToSvg(int width, int height)
    {
        CheckSize(width, height);
        string svg = Plot.GetSvgXml(width, height);
        // Skia names the embedded typeface's own family; a viewer without DejaVu Sans should fall back to a sans-serif font.
        return svg.Replace($"font-family=\"{PlotFonts.EmbeddedFamily}\"", $"font-family=\"{PlotFonts.SvgFamily}\"", StringComparison.Ordinal);
    }

    /// <summary>Writes the PNG to <paramref name="path"/> at the default size (atomically: a reader sees the old file or the new one).</summary>
    public void SavePng(string path) => SavePng(path, DefaultWidth, DefaultHeight);

    /// <summary>Writes the PNG to <paramref name="path"/> (atomically; the folder is created).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not in [1, <see cref="MaxSize"/>].</exception>
    public void SavePng(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, ToPng(width, height));
    }

    /// <summary>Writes the SVG to <paramref name="path"/> at the default size (atomically).</summary>
    public void SaveSvg(string path) => SaveSvg(path, DefaultWidth, DefaultHeight);

    /// <summary>Writes the SVG to <paramref name="path"/> (UTF-8, atomically; the folder is created).</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not in [1, <see cref="MaxSize"/>].</exception>
    public void SaveSvg(string path, int width, int height)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        AtomicFile.Write(path, Encoding.UTF8.GetBytes(ToSvg(width, height)));
    }

    /// <summary>An HTML <c>&lt;img&gt;</c> carrying the PNG at the default size as a data: URI, for notebooks without a display extension.</summary>
    public string ToHtml() => ToHtml(DefaultWidth, DefaultHeight);

    /// <summary>An HTML <c>&lt;img&gt;</c> carrying the PNG as a data: URI, with the title as alt text.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not in [1, <see cref="MaxSize"/>].</exception>
    public string ToHtml(int width, int height)
    {
        string png = Convert.ToBase64String(ToPng(width, height));
        return $"<img src=\"data:image/png;base64,{png}\" width=\"{width}\" height=\"{height}\" alt=\"{System.Net.WebUtility.HtmlEncode(Title)}\" />";
    }

    /// <inheritdoc />
    public override string ToString() => Title;

    private static void CheckSize(int width, int height)
    {
        if (width is < 1 or > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(width), width, $"The plot's width must be in [1, {MaxSize}] pixels; got {width}.");
        if (height is < 1 or > MaxSize)
            throw new ArgumentOutOfRangeException(nameof(height), height, $"The plot's height must be in [1, {MaxSize}] pixels; got {height}.");
    }
}
