using System;
using System.Collections.Concurrent;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.ML;
using Microsoft.VisualStudio.TestTools.UnitTesting;

namespace Microsoft.ML.Pruning.Tests.Regression;

/// <summary>
/// The Lasso trainer needs no TorchSharp: it fits, scores and evaluates without ever asking for the gradient backend
/// (Microsoft.ML.Pruning.Trainers, which brings TorchSharp and libtorch).
/// </summary>
/// <remarks>
/// Other tests of this process load TorchSharp, so watching the process's assemblies proves nothing. Instead a second
/// copy of Microsoft.ML.Pruning is loaded into a load context of its own, which sees every assembly that copy asks for
/// (Assembly.Load resolves in the caller's context; the core finds the backend by name that way); everything else
/// (ML.NET, the Onnx assembly, ONNX Runtime) is shared with the default context.
/// </remarks>
[TestClass]
public sealed class LassoCoordinateDescentIsolationTests
{
    private sealed class WatchingContext(string directory) : AssemblyLoadContext("lasso-isolation")
    {
        public ConcurrentBag<string> Requested { get; } = [];

        protected override Assembly? Load(AssemblyName name)
        {
            Requested.Add(name.Name!);
            return null; // the default context's copy
        }

        public Assembly LoadCore() => LoadFromAssemblyPath(Path.Combine(directory, "Microsoft.ML.Pruning.dll"));
    }

    [TestMethod]
    public void Lasso_FitScoreAndEvaluate_NeverAskForTheGradientBackend()
    {
        string directory = Path.GetDirectoryName(typeof(LassoCoordinateDescentTrainer).Assembly.Location)!;
        var context = new WatchingContext(directory);
        var core = context.LoadCore();
        Assert.AreNotSame(typeof(LassoCoordinateDescentTrainer).Assembly, core);

        var ml = new MLContext(1);
        var create = core.GetType("Microsoft.ML.Pruning.LassoCoordinateDescentCatalog", throwOnError: true)!
            .GetMethods().Single(m => m.Name == "LassoCoordinateDescent" && m.GetParameters().Length == 5);
        var trainer = (IEstimator<ITransformer>)create.Invoke(null, [ml.Regression.Trainers, "Label", "Features", null, 1.0])!;
        var model = trainer.Fit(LassoRegressionData.Training(ml));
        var metrics = ml.Regression.Evaluate(model.Transform(LassoRegressionData.Test(ml)));

        Assert.AreSame(core, model.GetType().Assembly, "the isolated copy did the work");
        Assert.IsGreaterThan(0.8, metrics.RSquared);
        string[] requested = [.. context.Requested.Distinct().Order()];
        CollectionAssert.Contains(requested, "Microsoft.ML.Pruning.Onnx", "the context sees what the core loads: " + string.Join(", ", requested));
        Assert.IsFalse(requested.Any(n => n.StartsWith("TorchSharp", StringComparison.Ordinal) || n == "Microsoft.ML.Pruning.Trainers"),
            string.Join(", ", requested));
    }
}
