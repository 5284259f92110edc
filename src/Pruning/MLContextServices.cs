using System;
using System.Collections.Generic;
using System.Reflection;
using Microsoft.ML.Runtime;

namespace Microsoft.ML.Pruning;

/// <summary>
/// What the estimators take from the user's ML.NET environment: a log channel, a seed derived from the
/// context's seed, the GPU settings, and whether <c>CancelExecution</c> was called.
/// </summary>
/// <remarks>
/// Trainer catalogs (<c>mlContext.MulticlassClassification.Trainers</c>) hold ML.NET's internal environment,
/// not the MLContext, and ML.NET keeps its cancellation flag and GPU settings behind internal interfaces.
/// Those few values are read by name through reflection here, in one place, and fall back to safe defaults
/// (not canceled, CPU) if a future ML.NET renames them.
/// </remarks>
internal sealed class MLContextServices
{
    private const BindingFlags AnyInstance = BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic;
    private readonly IHost _host;
    private readonly PropertyInfo? _isCanceled;

    public MLContextServices(IHostEnvironment environment, string component)
    {
        ArgumentNullException.ThrowIfNull(environment);
        _host = environment.Register(component);
        _isCanceled = Array.Find(_host.GetType().GetInterfaces(), i => i.Name == "ICancelable")?.GetProperty("IsCanceled");
        if (environment is MLContext context)
        {
            Context = context;
            GpuDeviceId = context.GpuDeviceId;
            FallbackToCpu = context.FallbackToCpu;
        }
        else
        {
            // A context of our own builds ML.NET transforms; they save and load like any other.
            Context = new MLContext(_host.Rand.Next());
            GpuDeviceId = environment.GetType().GetProperty("GpuDeviceId", AnyInstance)?.GetValue(environment) as int?;
            FallbackToCpu = environment.GetType().GetProperty("FallbackToCpu", AnyInstance)?.GetValue(environment) as bool? ?? false;
        }
    }

    /// <summary>The environment of trainer catalogs, which ML.NET keeps behind its internal IInternalCatalog.</summary>
    public static IHostEnvironment EnvironmentOf(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var internalCatalog = Array.Find(catalog.GetType().GetInterfaces(), i => i.Name == "IInternalCatalog");
        if (internalCatalog?.GetProperty("Environment")?.GetValue(catalog) is IHostEnvironment environment)
            return environment;
        throw new InvalidOperationException($"Could not reach the ML.NET environment of {catalog.GetType().Name}; this ML.NET version is not supported.");
    }

    /// <summary>The MLContext whose catalogs build transforms.</summary>
    public MLContext Context { get; }

    /// <summary>MLContext.GpuDeviceId.</summary>
    public int? GpuDeviceId { get; }

    /// <summary>MLContext.FallbackToCpu.</summary>
    public bool FallbackToCpu { get; }

    /// <summary>A seed that is fixed when the MLContext was created with a seed.</summary>
    public int NextSeed() => _host.Rand.Next();

    public bool IsCanceled() => _isCanceled?.GetValue(_host) is true;

    /// <summary>
    /// ML.NET's ONNX scorer on <paramref name="model"/>, on the GPU when the MLContext asks for one. With
    /// FallbackToCpu, a CPU-only ONNX Runtime (which lacks the CUDA entry point that ML.NET's own fallback does
    /// not catch) gives a CPU scorer instead of an error.
    /// </summary>
    /// <param name="outputColumns">Model outputs to score.</param>
    /// <param name="inputColumns">Columns fed to the model inputs of the same names.</param>
    /// <param name="model">The ONNX bytes.</param>
    /// <param name="inputShapes">Input shapes overriding the declared ones (ML.NET's shapeDictionary); null or empty for none.</param>
    public IEstimator<ITransformer> OnnxScorer(string[] outputColumns, string[] inputColumns, byte[] model, IDictionary<string, int[]>? inputShapes = null)
    {
        var shapes = inputShapes is { Count: > 0 } ? new Dictionary<string, int[]>(inputShapes, StringComparer.Ordinal) : null;
        try
        {
            return Context.Transforms.ApplyOnnxModel(outputColumns, inputColumns, new System.IO.MemoryStream(model),
                shapeDictionary: shapes, gpuDeviceId: GpuDeviceId, fallbackToCpu: FallbackToCpu);
        }
        catch (EntryPointNotFoundException) when (GpuDeviceId is not null && FallbackToCpu)
        {
            Info($"ONNX Runtime here has no CUDA support; scoring on the CPU (FallbackToCpu).");
            return Context.Transforms.ApplyOnnxModel(outputColumns, inputColumns, new System.IO.MemoryStream(model), shapeDictionary: shapes, gpuDeviceId: null, fallbackToCpu: false);
        }
    }

    public void Warning(string message)
    {
        using var channel = _host.Start(_host.ContextDescription);
        channel.Warning(MessageSensitivity.None, message);
    }

    public void Info(string message)
    {
        using var channel = _host.Start(_host.ContextDescription);
        channel.Info(MessageSensitivity.None, message);
    }
}
