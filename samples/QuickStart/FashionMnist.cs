using System;
using System.IO;
using System.IO.Compression;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.Data;

namespace Microsoft.ML.Pruning.Samples;

/// <summary>Reads Fashion-MNIST in its original IDX format (gzip) into an IDataView: Features (784 floats in [0, 1]) and Label (key).</summary>
public static class FashionMnist
{
    /// <summary>Where Debian's dataset-fashion-mnist package puts the full set.</summary>
    public const string DebianFolder = "/usr/share/datasets/fashion-mnist";

    /// <summary>The subset shipped with the samples.</summary>
    public static string EmbeddedFolder => Path.Combine(AppContext.BaseDirectory, "Data", "FashionMnistSubset");

    /// <summary>Pixels per image.</summary>
    public const int Pixels = 28 * 28;

    /// <summary>One image.</summary>
    public sealed class Row
    {
        /// <summary>784 pixels scaled to [0, 1].</summary>
        [VectorType(Pixels)]
        public float[] Features { get; set; } = [];

        /// <summary>Class 0..9.</summary>
        public uint Label { get; set; }
    }

    /// <summary>Reads "train" or "t10k" images and labels from <paramref name="folder"/>.</summary>
    public static Row[] Read(string folder, string split)
    {
        byte[] images = Decompress(Path.Combine(folder, $"{split}-images-idx3-ubyte.gz"));
        byte[] labels = Decompress(Path.Combine(folder, $"{split}-labels-idx1-ubyte.gz"));
        if (BigEndian(images, 0) != 2051 || BigEndian(labels, 0) != 2049)
            throw new InvalidDataException($"'{folder}' does not hold Fashion-MNIST IDX files for '{split}'.");
        int count = BigEndian(images, 4);
        if (BigEndian(labels, 4) != count || BigEndian(images, 8) * BigEndian(images, 12) != Pixels || images.Length < 16 + count * Pixels || labels.Length < 8 + count)
            throw new InvalidDataException($"Fashion-MNIST '{split}' files in '{folder}' disagree in size.");
        return Enumerable.Range(0, count).Select(i =>
        {
            var pixels = new float[Pixels];
            for (int p = 0; p < Pixels; p++) pixels[p] = images[16 + i * Pixels + p] / 255f;
            return new Row { Features = pixels, Label = labels[8 + i] };
        }).ToArray();
    }

    /// <summary>
    /// Train and test sets as IDataViews, the label mapped to a key by one mapping fitted on the training set
    /// (classes in value order 0..9).
    /// </summary>
    public static (IDataView Train, IDataView Test) Load(MLContext ml, string folder)
    {
        var train = ml.Data.LoadFromEnumerable(Read(folder, "train"));
        var test = ml.Data.LoadFromEnumerable(Read(folder, "t10k"));
        var toKey = ml.Transforms.Conversion.MapValueToKey("Label", keyOrdinality: Microsoft.ML.Transforms.ValueToKeyMappingEstimator.KeyOrdinality.ByValue)
            .Fit(train);
        return (ml.Data.Cache(toKey.Transform(train)), ml.Data.Cache(toKey.Transform(test)));
    }

    private static byte[] Decompress(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Fashion-MNIST file '{path}' not found.", path);
        using var gzip = new GZipStream(File.OpenRead(path), CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }

    private static int BigEndian(byte[] b, int offset) => b[offset] << 24 | b[offset + 1] << 16 | b[offset + 2] << 8 | b[offset + 3];
}
