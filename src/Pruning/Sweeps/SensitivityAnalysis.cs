using System;
using System.Threading;

namespace Microsoft.ML.Pruning.Sweeps;

/// <summary>
/// Prunes each layer alone at each sparsity and measures the metric (<c>mlContext.Pruning().Sensitivity(options)</c>).
/// </summary>
public sealed partial class SensitivityAnalysis
{
    private readonly MLContext _context;

    internal SensitivityAnalysis(MLContext context, SensitivityOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(options);
        _context = context;
        Options = options;
    }

    /// <summary>The options this analysis was made with.</summary>
    public SensitivityOptions Options { get; }

    /// <summary>
    /// Measures the dense model, then each layer pruned alone at each sparsity (the base options with Scope Layer, Sparsity 0,
    /// the layer's LayerSparsity set), on <paramref name="validationData"/>.
    /// </summary>
    /// <param name="trainData">Calibration (and fine-tuning, if the base options fine-tune) rows.</param>
    /// <param name="validationData">Rows the metric is measured on.</param>
    /// <param name="progress">Told after each point.</param>
    /// <param name="cancellationToken">Stops between points.</param>
    public SensitivityResult Analyze(IDataView trainData, IDataView validationData, IProgress<SensitivityPoint>? progress = null,
        CancellationToken cancellationToken = default)
        => throw new NotImplementedException("slice sensitivity");
}
