using System.IO;
using SkiaSharp;

namespace Microsoft.ML.Pruning.Benchmarks.MlNetTorchSharpProbe;

/// <summary>A 64×64 PNG with one red square, for ObjectDetection (SkiaSharp comes with Microsoft.ML.ImageAnalytics).</summary>
internal static class SquareImage
{
    public static string Write(string folder, string name)
    {
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, name);
        using var bitmap = new SKBitmap(64, 64);
        bitmap.Erase(SKColors.White);
        for (int x = 10; x < 30; x++)
            for (int y = 10; y < 30; y++)
                bitmap.SetPixel(x, y, SKColors.Red);
        using var file = File.Create(path);
        bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
        return path;
    }
}
