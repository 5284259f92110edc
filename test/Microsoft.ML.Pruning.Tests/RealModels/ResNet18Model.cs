using System;
using System.IO;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.RealModels;

/// <summary>
/// ML.NET's ResNet18 image featurizer (NuGet Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1, whose build props
/// copy the ONNX file next to the test assembly): a CNTK export, IR 3, opset 8, batch fixed at 1.
/// </summary>
internal static class ResNet18Model
{
    public const string InputName = "Input247";

    public const string OutputName = "Pooling395_Output_0";

    /// <summary>One image: [1, 3, 224, 224].</summary>
    public static readonly long[] ImageShape = [3, 224, 224];

    /// <summary>Where the package puts the file: DnnImageModels/ResNet18Onnx/ResNet18.onnx beside the test assembly.</summary>
    public static string FilePath => Path.Combine(AppContext.BaseDirectory, "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    /// <summary>A fresh copy of the model (callers may change it).</summary>
    public static OnnxModel Load()
    {
        if (!File.Exists(FilePath))
            Assert.Fail($"'{FilePath}' is missing: the test project's PackageReference to Microsoft.ML.DnnImageFeaturizer.ResNet18 copies it there on build.");
        return OnnxModel.Load(FilePath);
    }

    /// <summary><paramref name="batch"/> images of seeded values in [−2, 2), laid out [batch, 3, 224, 224].</summary>
    public static float[] RandomImages(int batch, int seed)
    {
        var random = new Random(seed);
        var values = new float[batch * 3 * 224 * 224];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 2);
        return values;
    }
}
