using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using TorchSharp;
using Microsoft.ML.Pruning.Onnx;
using Microsoft.ML.Pruning.Trainers.Engine;
using Microsoft.ML.Pruning.Training;

namespace Microsoft.ML.Pruning.Trainers.Training;

/// <summary>The TorchSharp implementation of <see cref="IGradientBackend"/>; Microsoft.ML.Pruning finds it by name.</summary>
internal sealed class TorchGradientBackend : IGradientBackend
{
    public IMaskedTraining Open(OnnxModel model, string trainOutput, int? gpuDeviceId, bool fallbackToCpu) =>
        WithNativeLibrary(() => new MaskedTrainer(model, trainOutput, TorchDevice.Resolve(gpuDeviceId, fallbackToCpu)));

    public IReadOnlyList<string> CheckTrainable(OnnxModel model, string trainOutput) => WithNativeLibrary<IReadOnlyList<string>>(() =>
    {
        var graph = TrainingGraph.Extract(model, trainOutput);
        CompiledGraph compiled;
        using (torch.NewDisposeScope())
            compiled = GraphCompiler.Compile(graph); // validates ops and attributes; FLOAT initializers stay protos
        foreach (var constant in compiled.Constants) constant.Value.Dispose();
        if (compiled.Parameters.Length == 0)
            throw new InvalidOperationException(
                $"Output '{trainOutput}' does not depend on any FLOAT initializer of the model, so training has no weight to change.");
        return [.. compiled.Parameters.Select(p => p.Name)];
    });

    private static T WithNativeLibrary<T>(Func<T> work)
    {
        try
        {
            return work();
        }
        catch (Exception ex) when (MissingLibTorch(ex) is { } missing && OperatingSystem.IsLinux() && LacksGlibcxx332())
        {
            // TorchSharp reports any failure to load its native library as a missing libtorch package; on Linux whose
            // libstdc++ predates GCC 13 (Debian 12) the real cause is libLibTorchSharp.so's GLIBCXX_3.4.32 requirement.
            throw new InvalidOperationException(
                "TorchSharp's native library could not be loaded. This system's libstdc++ lacks GLIBCXX_3.4.32, which " +
                "libLibTorchSharp.so asks for: reference the Microsoft.ML.Pruning.Trainers package (its build step marks that " +
                "requirement weak in your output folder), or import build/TorchSharpNativeCompat.targets when you reference the " +
                $"project from outside its repository. TorchSharp said: {missing.Message}", ex);
        }
    }

    /// <summary>TorchSharp's "doesn't contain a reference to libtorch-…" error, thrown directly or from its type initializer.</summary>
    private static NotSupportedException? MissingLibTorch(Exception ex) =>
        (ex as NotSupportedException ?? ex.InnerException as NotSupportedException) is { } e && e.Message.Contains("libtorch", StringComparison.OrdinalIgnoreCase) ? e : null;

    private static bool LacksGlibcxx332()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/maps"))
            {
                int path = line.IndexOf('/');
                if (path < 0 || !line.Contains("libstdc++.so", StringComparison.Ordinal)) continue;
                var bytes = File.ReadAllBytes(line[path..].Trim());
                return bytes.AsSpan().IndexOf("GLIBCXX_3.4.32"u8) < 0;
            }
        }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        return false;
    }
}
