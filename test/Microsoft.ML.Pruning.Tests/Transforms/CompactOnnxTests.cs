using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Transforms;

[TestClass]
public sealed class CompactOnnxTests
{
    [TestMethod]
    public void SaveOnnx_At90Percent_IsSmallAndOnnxRuntimeScoresLikeTheMaskedDenseModel()
    {
        var ml = new MLContext(1);
        var model = TestData.Mlp(7, 64, 32);
        var pruned = ml.Pruning().Magnitude(model, ["Score"], ["Features"], 0.9).Fit(TestData.Multiclass(ml));
        byte[] dense = pruned.Model.ToBytes();
        byte[] compact = pruned.CompactOnnx.ToArray();
        Assert.IsTrue(compact.Length < 0.35 * dense.Length, $"compact {compact.Length} vs dense {dense.Length}");
        Assert.IsTrue(TestData.SparseWeightCount(OnnxModel.Load(compact)) > 0);

        var input = TestData.Rows(64, 3).SelectMany(r => r.Features).ToArray();
        float[] Run(byte[] bytes)
        {
            using var session = new InferenceSession(bytes);
            var tensor = new DenseTensor<float>(input, [64, TestData.FeatureCount]);
            using var results = session.Run([NamedOnnxValue.CreateFromTensor("Features", tensor)]);
            return results.First(r => r.Name == "Score").AsEnumerable<float>().ToArray();
        }
        CollectionAssert.AreEqual(Run(dense), Run(compact));
    }

    [TestMethod]
    public void SaveOnnx_LeNet300At90Percent_IsAtMostAFifthOfTheDenseFile()
    {
        var ml = new MLContext(1);
        var lenet = Microsoft.ML.Pruning.Trainers.Models.MlpGraphBuilder.Build("Features", 784, [300, 100], 10,
            Microsoft.ML.Pruning.Trainers.Models.MlpActivation.Relu, Microsoft.ML.Pruning.Trainers.Models.MlpHead.Multiclass, 3);
        var data = ml.Data.LoadFromEnumerable(new[] { new Pixels() });
        var pruned = ml.Pruning().Magnitude(lenet, ["Score"], ["Features"], 0.9, Microsoft.ML.Pruning.Algorithms.PruningScope.Layer).Fit(data);
        using var compact = new MemoryStream();
        pruned.SaveOnnx(compact);
        double ratio = (double)compact.Length / lenet.ToBytes().Length;
        Assert.IsTrue(ratio <= 0.20, $"compact/dense = {ratio:P1}");
    }

    private sealed class Pixels
    {
        [Microsoft.ML.Data.VectorType(784)]
        public float[] Features { get; set; } = new float[784];
    }

    [TestMethod]
    public void SaveOnnx_CompactModel_PassesOnnxFullCheck()
    {
        string? python = PythonWithOnnx();
        if (python is null)
            Assert.Inconclusive("python3 with the onnx package is not installed (apt-get install python3-onnx); the checker test cannot run.");
        var ml = new MLContext(1);
        var pruned = ml.Pruning().Magnitude(TestData.Mlp(7, 64, 32), ["Score"], ["Features"], 0.9).Fit(TestData.Multiclass(ml));
        string path = Path.Combine(Path.GetTempPath(), $"checker-{Guid.NewGuid():N}.onnx");
        try
        {
            pruned.SaveOnnx(path);
            var (code, output) = Run(python, $"-c \"import onnx, sys; m = onnx.load(sys.argv[1]); onnx.checker.check_model(m, full_check=True); print(sum(1 for n in m.graph.node if n.op_type == 'Constant' and any(a.name == 'sparse_value' for a in n.attribute)))\" \"{path}\"");
            Assert.AreEqual(0, code, output);
            Assert.IsTrue(int.Parse(output.Trim().Split('\n').Last()) > 0, output);
        }
        finally
        {
            File.Delete(path);
        }
    }

    internal static string? PythonWithOnnx()
    {
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                if (Run(candidate, "-c \"import onnx\"").Code == 0) return candidate;
            }
            catch (System.ComponentModel.Win32Exception)
            {
            }
        }
        return null;
    }

    private static (int Code, string Output) Run(string file, string arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        string output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
