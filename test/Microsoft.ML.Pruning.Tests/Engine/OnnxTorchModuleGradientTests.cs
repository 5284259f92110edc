using System;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

[TestClass]
public sealed class OnnxTorchModuleGradientTests
{
    /// <summary>Gemm → Relu → Gemm → Softmax in double precision: autograd agrees with central differences.</summary>
    [TestMethod]
    public void Mlp_Backward_MatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp(inputs: 4, hidden: 5, outputs: 3, seed: 11));
        module.to(ScalarType.Float64);
        var x = torch.randn(new long[] { 6, 4 }, ScalarType.Float64, generator: new torch.Generator(3));
        var weights = torch.randn(new long[] { 6, 3 }, ScalarType.Float64, generator: new torch.Generator(4));
        Tensor Loss() => (module.forward(x) * weights).sum();

        Loss().backward();

        var probes = new (string Name, long[] Index)[]
        {
            ("W1", [0, 0]), ("W1", [4, 3]), ("B1", [2]), ("W2", [1, 2]), ("W2", [3, 0]), ("B2", [1]),
        };
        foreach (var (name, index) in probes)
        {
            var parameter = module.GetParameter(name);
            double analytic = parameter.grad![index].item<double>();
            double numeric = CentralDifference(parameter, index, Loss, 1e-6);
            Assert.AreEqual(numeric, analytic, 1e-7 + 1e-5 * Math.Abs(numeric), $"d loss / d {name}[{string.Join(", ", index)}]");
        }
        Assert.AreNotEqual(0.0, module.GetParameter("W1").grad!.abs().sum().item<double>(), "the probe must not be trivially zero");
    }

    [TestMethod]
    public void Mlp_Backward_EveryParameterHasFiniteGradient()
    {
        using var scope = NewDisposeScope();
        using var module = new OnnxTorchModule(TestGraphs.Mlp());
        var x = torch.randn(8, 4);
        torch.nn.functional.cross_entropy(module.forward(x), torch.zeros(8, ScalarType.Int64)).backward();
        Assert.HasCount(4, module.ParameterNames);
        foreach (string name in module.ParameterNames)
        {
            var grad = module.GetParameter(name).grad;
            Assert.IsNotNull(grad, name);
            Assert.IsTrue(TensorComparison.AllFinite(grad), name);
        }
    }

    private static double CentralDifference(Tensor parameter, long[] index, Func<Tensor> loss, double eps)
    {
        using var noGrad = torch.no_grad();
        double original = parameter[index].item<double>();
        parameter[index].fill_(original + eps);
        double plus = loss().item<double>();
        parameter[index].fill_(original - eps);
        double minus = loss().item<double>();
        parameter[index].fill_(original);
        return (plus - minus) / (2 * eps);
    }
}
