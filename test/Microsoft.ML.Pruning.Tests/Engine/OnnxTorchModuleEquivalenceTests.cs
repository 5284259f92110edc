using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

/// <summary>The engine running an exported MLP is the same computation as the hand-built TorchSharp network.</summary>
[TestClass]
public sealed class OnnxTorchModuleEquivalenceTests
{
    [TestMethod]
    public void LeNet300100_SameWeights_MatchesSequentialOutputsAndGradients()
    {
        using var scope = NewDisposeScope();
        using var engine = new OnnxTorchModule(TestGraphs.LeNet300100());
        using var sequential = nn.Sequential(
            ("fc1", nn.Linear(784, 300)), ("relu1", nn.ReLU()), ("fc2", nn.Linear(300, 100)), ("relu2", nn.ReLU()), ("fc3", nn.Linear(100, 10)));
        var linears = sequential.children().OfType<Linear>().ToArray();
        using (torch.no_grad())
        {
            for (int i = 0; i < 3; i++)
            {
                linears[i].weight.copy_(engine.GetParameter($"fc{i + 1}.weight"));
                linears[i].bias!.copy_(engine.GetParameter($"fc{i + 1}.bias"));
            }
        }
        var x = torch.rand(32, 784);
        var y = torch.randint(0, 10, new long[] { 32 });

        var fromEngine = engine.forward(x);
        var fromSequential = sequential.forward(x);
        Assert.IsTrue(fromEngine.allclose(fromSequential, 1e-5, 1e-6));

        nn.functional.cross_entropy(fromEngine, y).backward();
        nn.functional.cross_entropy(fromSequential, y).backward();
        for (int i = 0; i < 3; i++)
        {
            Assert.IsTrue(engine.GetParameter($"fc{i + 1}.weight").grad!.allclose(linears[i].weight.grad!, 1e-5, 1e-6), $"fc{i + 1}.weight");
            Assert.IsTrue(engine.GetParameter($"fc{i + 1}.bias").grad!.allclose(linears[i].bias!.grad!, 1e-5, 1e-6), $"fc{i + 1}.bias");
        }
    }
}
