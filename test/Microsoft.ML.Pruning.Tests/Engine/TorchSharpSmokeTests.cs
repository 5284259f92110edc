using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Engine;

[TestClass]
public sealed class TorchSharpSmokeTests
{
    [TestMethod]
    public void TorchSharp_TensorOpAndBackward_RunsNatively()
    {
        using var scope = NewDisposeScope();
        var x = tensor(new float[] { 1f, 2f, 3f }, requires_grad: true);
        var y = (x * x).sum();
        y.backward();
        var grad = x.grad!.data<float>().ToArray();
        CollectionAssert.AreEqual(new[] { 2f, 4f, 6f }, grad);
        Assert.AreEqual(14f, y.item<float>());
    }
}
