using System;
using System.Buffers.Binary;
using System.Linq;
using System.Xml.Linq;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Tests.Plots;

/// <summary>Checks that bytes are a PNG of a given size and that text is an SVG, and reads the SVG's text.</summary>
internal static class ImageChecks
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>The PNG signature, an IHDR chunk first with the size, and a decoder that reads it at that size.</summary>
    public static void AssertPng(byte[] png, int width, int height)
    {
        Assert.IsGreaterThan(33, png.Length, "a PNG has at least a signature and an IHDR chunk");
        CollectionAssert.AreEqual(PngSignature, png.Take(8).ToArray(), "PNG signature");
        Assert.AreEqual("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4), "the first chunk is IHDR");
        Assert.AreEqual(width, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16, 4)), "IHDR width");
        Assert.AreEqual(height, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20, 4)), "IHDR height");
        using var bitmap = SKBitmap.Decode(png);
        Assert.IsNotNull(bitmap, "the PNG decodes");
        Assert.AreEqual(width, bitmap.Width);
        Assert.AreEqual(height, bitmap.Height);
    }

    /// <summary>Parses the SVG as XML (root svg, the given size) and returns the text of all its text elements, joined by new lines.</summary>
    public static string SvgText(string svg, int width, int height)
    {
        var document = XDocument.Parse(svg);
        Assert.AreEqual("svg", document.Root!.Name.LocalName);
        Assert.AreEqual(width.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)document.Root.Attribute("width"));
        Assert.AreEqual(height.ToString(System.Globalization.CultureInfo.InvariantCulture), (string?)document.Root.Attribute("height"));
        var texts = document.Descendants().Where(e => e.Name.LocalName == "text").ToList();
        foreach (var text in texts)
            Assert.AreEqual(Microsoft.ML.Pruning.Plots.PlotFonts.SvgFamily, (string?)text.Attribute("font-family"), $"the font of '{text.Value.Trim()}' is the embedded one");
        return string.Join("\n", texts.Select(e => e.Value));
    }

    /// <summary>How many pixels differ from the top-left (background) pixel: a blank image has none.</summary>
    public static int InkedPixels(byte[] png)
    {
        using var bitmap = SKBitmap.Decode(png);
        var background = bitmap.GetPixel(0, 0);
        int inked = 0;
        for (int y = 0; y < bitmap.Height; y += 2)
            for (int x = 0; x < bitmap.Width; x += 2)
                if (bitmap.GetPixel(x, y) != background) inked++;
        return inked;
    }
}
