using System.Linq;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Trainers.Training;
using Microsoft.VisualStudio.TestTools.UnitTesting;
using TorchSharp;
using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Tests.Training;

[TestClass]
public sealed class ModuleSnapshotTests
{
    [TestMethod]
    public void Restore_AfterTheMasksMoved_PutsBackWeightsUnderTheMasksNowInForce()
    {
        using var scope = NewDisposeScope();
        var model = Engine.TestGraphs.Mlp(inputs: 4, hidden: 5, outputs: 3, seed: 2);
        using var module = new OnnxTorchModule(model);
        string name = module.ParameterNames.First(n => module.GetParameter(n).dim() == 2);
        var weight = module.GetParameter(name);
        float[] captured = weight.detach().clone().data<float>().ToArray();
        using var snapshot = new ModuleSnapshot(module);

        // Training moves the weights, and gradual pruning moves the mask: now the first row is pruned.
        using (no_grad()) weight.add_(torch.ones_like(weight));
        var mask = torch.ones_like(weight);
        using (no_grad()) mask[0].fill_(0);
        module.SetMask(name, mask);

        snapshot.Restore();
        float[] restored = weight.detach().data<float>().ToArray();
        long columns = weight.shape[1];
        for (int i = 0; i < restored.Length; i++)
            Assert.AreEqual(i < columns ? 0f : captured[i], restored[i], $"element {i}: the captured value, or 0 where the current mask prunes");
    }
}
