using System;
using System.IO;
using System.Reflection;

namespace Microsoft.ML.Pruning.Training;

/// <summary>
/// Finds the TorchSharp backend (Microsoft.ML.Pruning.Trainers) when a stage needs gradients. It is looked up
/// by name, so Microsoft.ML.Pruning does not reference TorchSharp: one-shot pruning runs without it.
/// </summary>
internal static class GradientBackend
{
    internal const string AssemblyName = "Microsoft.ML.Pruning.Trainers";
    private const string TypeName = "Microsoft.ML.Pruning.Trainers.Training.TorchGradientBackend";
    private static readonly Lazy<IGradientBackend?> Found = new(Find);

    /// <summary>The backend, or an <see cref="InvalidOperationException"/> that says which package to add and why.</summary>
    /// <param name="needs">What asked for gradients, in the user's words (e.g. "FineTune", "Criterion 'taylor'").</param>
    public static IGradientBackend Require(string needs) =>
        Found.Value ?? throw new InvalidOperationException(
            $"{needs} needs gradients, which come from the package {AssemblyName} (TorchSharp) and a libtorch package " +
            $"(e.g. libtorch-cpu-linux-x64). Add both to your project; one-shot pruning without gradients needs neither.");

    private static IGradientBackend? Find()
    {
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(AssemblyName);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        var type = assembly.GetType(TypeName, throwOnError: true)!;
        return (IGradientBackend)Activator.CreateInstance(type, nonPublic: true)!;
    }
}
