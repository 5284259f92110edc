using System;
using System.IO;
using System.Linq;
using System.Text.RegularExpressions;
using Microsoft.ML.Pruning.Plots;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Tests.Plots;

[TestClass]
public sealed class PruningPlotTests
{
    [TestMethod]
    public void SavePngAndSvg_NewFolder_WritesFilesAndNoTemporaries()
    {
        string directory = Path.Combine(Path.GetTempPath(), "plot-save-" + Guid.NewGuid().ToString("N"));
        try
        {
            var plot = PruningPlots.Sensitivity(PlotFixtures.Sensitivity());
            plot.SavePng(Path.Combine(directory, "a", "s.png"), 300, 200);
            plot.SaveSvg(Path.Combine(directory, "a", "s.svg"), 300, 200);
            ImageChecks.AssertPng(File.ReadAllBytes(Path.Combine(directory, "a", "s.png")), 300, 200);
            ImageChecks.SvgText(File.ReadAllText(Path.Combine(directory, "a", "s.svg")), 300, 200);
            CollectionAssert.AreEquivalent(new[] { "s.png", "s.svg" }, Directory.GetFiles(Path.Combine(directory, "a")).Select(Path.GetFileName).ToArray());
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    [TestMethod]
    public void ToHtml_DefaultSize_ImgWithPngDataUriAndTitleAsAlt()
    {
        var plot = PruningPlots.Sensitivity(PlotFixtures.Sensitivity());
        string html = plot.ToHtml();
        var match = Regex.Match(html, "^<img src=\"data:image/png;base64,([A-Za-z0-9+/=]+)\" width=\"(\\d+)\" height=\"(\\d+)\" alt=\"([^\"]*)\" />$");
        Assert.IsTrue(match.Success, html[..Math.Min(120, html.Length)]);
        ImageChecks.AssertPng(Convert.FromBase64String(match.Groups[1].Value), plot.DefaultWidth, plot.DefaultHeight);
        Assert.AreEqual(plot.DefaultWidth.ToString(System.Globalization.CultureInfo.InvariantCulture), match.Groups[2].Value);
        Assert.AreEqual("Sensitivity of accuracy to each layer&#39;s sparsity", match.Groups[4].Value);
    }

    [TestMethod]
    [DataRow(0, 100)]
    [DataRow(100, 0)]
    [DataRow(100, PruningPlot.MaxSize + 1)]
    public void ToPng_SizeOutOfRange_Throws(int width, int height)
    {
        var plot = PruningPlots.LayerSparsity(PlotFixtures.Report());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => plot.ToPng(width, height));
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => plot.ToSvg(width, height));
    }

    [TestMethod]
    public void ToSvg_Text_NamesDejaVuWithFallbacksNotThePrivateFamily()
    {
        string svg = PruningPlots.LayerSparsity(PlotFixtures.Report()).ToSvg(400, 300);
        Assert.DoesNotContain("font-family=\"DejaVu Sans\"", svg);
        Assert.DoesNotContain(PlotFonts.Family, svg);
        Assert.Contains($"font-family=\"{PlotFonts.SvgFamily}\"", svg);
    }

    [TestMethod]
    public void EmbeddedFont_ResolvesToDejaVuWithEveryGlyphOfThePlots()
    {
        PlotFonts.Register();
        // Not disposed: ScottPlot caches the typefaces it resolves and the plots go on using them.
        SKTypeface regular = ScottPlot.Fonts.GetTypeface(PlotFonts.Family, bold: false, italic: false);
        SKTypeface bold = ScottPlot.Fonts.GetTypeface(PlotFonts.Family, bold: true, italic: false);
        Assert.AreEqual("DejaVu Sans", regular.FamilyName, "the embedded font, not a system one");
        Assert.AreEqual("DejaVu Sans", bold.FamilyName, "one weight: a bold request gets the embedded face too, never a system font");
        using var font = new SKFont(regular);
        ushort[] glyphs = font.GetGlyphs("Sparsity ≤ ≥ × − λ µ … % (ms) é");
        Assert.IsFalse(glyphs.Contains((ushort)0), "every character used by the plots has a glyph");
    }
}
