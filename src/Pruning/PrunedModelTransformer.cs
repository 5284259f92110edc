using System;
using System.IO;
using Microsoft.ML.Data;
using Microsoft.ML.Pruning.Onnx;

namespace Microsoft.ML.Pruning;

/// <summary>
/// A pruned (or sparsely trained) network: scores through ML.NET's own ONNX transformer on the compact model,
/// saves and loads with <c>mlContext.Model</c> (it is saved as that ONNX transformer, so loading needs no
/// custom code), writes the compact ONNX file, and carries the per-layer <see cref="Report"/>.
/// </summary>
/// <remarks>
/// Not sealed so that a trainer's result can add ML.NET's interfaces (SparseMlp's is ML.NET's single-feature
/// prediction transformer); its constructors are internal, so no other assembly derives from it.
/// </remarks>
public class PrunedModelTransformer : ITransformer
{
    private readonly Lazy<ITransformer> _scorer;
    private readonly OnnxModel _model;
    private readonly byte[] _compactBytes;
    private readonly string? _inputModelPath;

    internal PrunedModelTransformer(Func<ITransformer> scorer, OnnxModel model, byte[] compactBytes, PruningReport report, string? inputModelPath)
    {
        // ML.NET's scorer (an ONNX Runtime session) is built on first use: Fit and SaveOnnx never pay for it.
        _scorer = new Lazy<ITransformer>(scorer);
        _model = model;
        _compactBytes = compactBytes;
        _inputModelPath = inputModelPath;
        Report = report;
    }

    /// <summary>The same trained model (scorer, network, compact bytes, report), for a subclass to wrap.</summary>
    private protected PrunedModelTransformer(PrunedModelTransformer trained)
    {
        ArgumentNullException.ThrowIfNull(trained);
        _scorer = trained._scorer;
        _model = trained._model;
        _compactBytes = trained._compactBytes;
        _inputModelPath = trained._inputModelPath;
        Report = trained.Report;
    }

    /// <summary>Per-layer sparsity, totals and file sizes.</summary>
    public PruningReport Report { get; }

    /// <summary>A copy of the pruned network (dense initializers), for inspection or further pruning.</summary>
    public OnnxModel Model => _model.Clone();

    /// <summary>The compact ONNX bytes (sparse initializers where smaller).</summary>
    public ReadOnlyMemory<byte> CompactOnnx => _compactBytes;

    /// <summary>Writes the compact ONNX file atomically (temporary file, then rename). Overwriting the input model is refused.</summary>
    public void SaveOnnx(string path) => AtomicFile.Write(path, _compactBytes, _inputModelPath);

    /// <summary>Writes the compact ONNX model to a stream (not disposed).</summary>
    public void SaveOnnx(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        stream.Write(_compactBytes);
    }

    /// <inheritdoc />
    public bool IsRowToRowMapper => _scorer.Value.IsRowToRowMapper;

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema) => _scorer.Value.GetOutputSchema(inputSchema);

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => _scorer.Value.GetRowToRowMapper(inputSchema);

    /// <inheritdoc />
    public IDataView Transform(IDataView input) => _scorer.Value.Transform(input);

    void ICanSaveModel.Save(ModelSaveContext ctx) => _scorer.Value.Save(ctx);
}
