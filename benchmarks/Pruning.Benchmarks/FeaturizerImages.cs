using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using Microsoft.ML.Data;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Samples;

namespace Microsoft.ML.Pruning.Benchmarks;

/// <summary>
/// Fashion-MNIST images as ML.NET's ResNet18 featurizer takes them. The package's chain is <c>ResNetPreprocess.onnx</c>
/// (input RGB planes [1, 3, 224, 224] in [0, 255]: Split into R, G, B, Concat as B, G, R, Sub of a 224 × 224 per-channel
/// mean image) then <c>ResNet18.onnx</c>. Here each 28 × 28 gray image is scaled back to [0, 255], resized to 224 × 224
/// bilinearly (half-pixel centres, edges clamped), replicated into the three channels (so the B, G, R reordering changes
/// nothing), and the package's own mean image (read from ResNetPreprocess.onnx) subtracted: the input of ResNet18.onnx.
/// Images are made when read (602 KB each), never all held at once.
/// </summary>
internal sealed class FeaturizerImages
{
    public const string ModelFile = "DnnImageModels/ResNet18Onnx/ResNet18.onnx";
    public const string PreprocessFile = "DnnImageModels/ResNetPrepOnnx/ResNetPreprocess.onnx";
    public const string Input = "Input247";
    public const string Output = "Pooling395_Output_0";
    public const int Side = 224;
    public const int Size = 3 * Side * Side;

    private readonly float[] _mean;

    private FeaturizerImages(float[] mean) => _mean = mean;

    /// <summary>One row of the IDataView: the featurizer's input, flat [3, 224, 224].</summary>
    private sealed class ImageRow
    {
        [ColumnName(Input), VectorType(Size)] public float[] Image { get; set; } = [];
    }

    /// <summary>One row of the probe's data: features and the class as a key (raw values 1..10 for classes 0..9; 0 is missing).</summary>
    public sealed class FeatureRow
    {
        public float[] Features { get; set; } = [];

        [KeyType(10)] public uint Label { get; set; }
    }

    /// <summary>The mean image of the package's preprocessing model, beside the app.</summary>
    public static FeaturizerImages Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, PreprocessFile);
        if (!File.Exists(path))
            throw new FileNotFoundException($"'{path}' is missing: the PackageReference to Microsoft.ML.DnnImageFeaturizer.ResNet18 copies it there on build.", path);
        var mean = OnnxTensor.ToFloatArray(OnnxModel.Load(path).GetInitializer("MeanImage"));
        if (mean.Length != Size) throw new InvalidDataException($"'{path}': MeanImage has {mean.Length} values, not {Size}.");
        return new FeaturizerImages(mean);
    }

    /// <summary>Image <paramref name="row"/> of <paramref name="images"/> (pixels in [0, 1]) as the featurizer's input, written to <paramref name="target"/>.</summary>
    public void Make(RealModels.Images images, int row, Span<float> target)
    {
        var pixels = images.Pixels.AsSpan(row * FashionMnist.Pixels, FashionMnist.Pixels);
        const int From = 28;
        const float Scale = (float)From / Side;
        var plane = target[..(Side * Side)];
        for (int y = 0; y < Side; y++)
        {
            float sy = Math.Clamp((y + 0.5f) * Scale - 0.5f, 0, From - 1);
            int y0 = (int)sy, y1 = Math.Min(y0 + 1, From - 1);
            float fy = sy - y0;
            for (int x = 0; x < Side; x++)
            {
                float sx = Math.Clamp((x + 0.5f) * Scale - 0.5f, 0, From - 1);
                int x0 = (int)sx, x1 = Math.Min(x0 + 1, From - 1);
                float fx = sx - x0;
                float top = pixels[y0 * From + x0] * (1 - fx) + pixels[y0 * From + x1] * fx;
                float bottom = pixels[y1 * From + x0] * (1 - fx) + pixels[y1 * From + x1] * fx;
                plane[y * Side + x] = 255 * (top * (1 - fy) + bottom * fy);
            }
        }
        plane.CopyTo(target.Slice(Side * Side, Side * Side));
        plane.CopyTo(target.Slice(2 * Side * Side, Side * Side));
        for (int i = 0; i < Size; i++) target[i] -= _mean[i];
    }

    /// <summary>Rows [<paramref name="start"/>, start + count) as an IDataView of the featurizer's input column, made as read.</summary>
    public IDataView View(MLContext ml, RealModels.Images images, int start, int count)
    {
        IEnumerable<ImageRow> Rows()
        {
            for (int r = start; r < start + count; r++)
            {
                var image = new float[Size];
                Make(images, r, image);
                yield return new ImageRow { Image = image };
            }
        }
        // An iterator method's IEnumerable starts afresh on every enumeration, so ML.NET's cursors can read the rows again.
        return ml.Data.LoadFromEnumerable(Rows());
    }

    /// <summary>Features of rows [<paramref name="start"/>, start + count) by ONNX Runtime (batches of 32; the model must take any batch), flattened per row.</summary>
    public float[][] Features(byte[] model, string input, string output, RealModels.Images images, int start, int count, int threads)
    {
        using var options = new SessionOptions { IntraOpNumThreads = threads, InterOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        using var run = new RunOptions();
        const int Batch = 32;
        var result = new float[count][];
        var buffer = new float[Batch * Size];
        for (int first = 0; first < count; first += Batch)
        {
            int n = Math.Min(Batch, count - first);
            for (int r = 0; r < n; r++) Make(images, start + first + r, buffer.AsSpan(r * Size, Size));
            using var x = OrtValue.CreateTensorValueFromMemory(buffer[..(n * Size)], [n, 3, Side, Side]);
            using var outputs = session.Run(run, [input], [x], [output]);
            var values = outputs[0].GetTensorDataAsSpan<float>();
            int width = values.Length / n;
            for (int r = 0; r < n; r++) result[first + r] = values.Slice(r * width, width).ToArray();
        }
        return result;
    }

    /// <summary>Features and labels as the probe's IDataView (feature width from the rows).</summary>
    public static IDataView FeatureView(MLContext ml, float[][] features, RealModels.Images images, int start)
    {
        var rows = features.Select((f, i) => new FeatureRow { Features = f, Label = (uint)images.Labels[start + i] + 1 }).ToArray();
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(FeatureRow.Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, features[0].Length);
        return ml.Data.LoadFromEnumerable(rows, schema);
    }
}
