using System;
using System.IO;
using Google.Protobuf;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// The one in-memory model of Microsoft.ML.Pruning: an ONNX <see cref="ModelProto"/> with loading that
/// validates untrusted input, lossless writing, and the graph queries pruning needs.
/// </summary>
/// <example>
/// <code>
/// var model = OnnxModel.Load("mlp.onnx");
/// foreach (var w in model.GetPrunableWeights()) Console.WriteLine($"{w.Name} {string.Join('x', w.Shape)}");
/// model.Save("mlp.copy.onnx");
/// </code>
/// </example>
public sealed partial class OnnxModel
{
    /// <summary>Protobuf nesting allowed while parsing (subgraphs inside attributes nest messages).</summary>
    internal const int ProtobufRecursionLimit = 200;

    private OnnxModel(ModelProto proto, string? sourcePath)
    {
        Proto = proto;
        SourcePath = sourcePath;
    }

    /// <summary>The underlying protobuf message. Edits through it are edits of this model.</summary>
    public ModelProto Proto { get; }

    /// <summary>The main graph.</summary>
    public GraphProto Graph => Proto.Graph ?? throw new InvalidDataException("The model has no graph.");

    /// <summary>The full path the model was loaded from, if any. Saving to it is refused.</summary>
    public string? SourcePath { get; }

    /// <summary>Wraps an existing protobuf model after validating it.</summary>
    public static OnnxModel FromProto(ModelProto proto)
    {
        ArgumentNullException.ThrowIfNull(proto);
        var model = new OnnxModel(proto, null);
        model.Validate("model");
        return model;
    }

    /// <summary>Reads a model from bytes. Models with external data must be loaded from their path instead.</summary>
    /// <exception cref="InvalidDataException">The bytes are not a valid ONNX model.</exception>
    public static OnnxModel Load(ReadOnlySpan<byte> bytes) => Parse(bytes.ToArray(), "model given as bytes", null);

    /// <summary>
    /// Reads a model from a stream (read to its end; the stream is not disposed). Models with external data
    /// must be loaded from their path instead.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream is not a valid ONNX model.</exception>
    public static OnnxModel Load(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.ToArray(), "model read from a stream", null);
    }

    /// <summary>
    /// Reads a model file. Tensors stored as external data are read from files beside the model into
    /// <c>raw_data</c>, and their <c>data_location</c>/<c>external_data</c> are cleared, so the in-memory model is
    /// self-contained and <see cref="Save(string)"/> writes one file. External locations must stay inside the
    /// model's folder: absolute paths, <c>..</c> escapes and symbolic links resolving outside are rejected.
    /// </summary>
    /// <exception cref="FileNotFoundException">The model file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file or its external data is malformed, or one of them is not a regular file (a pipe or device); the message names the tensor, node or file.</exception>
    /// <exception cref="IOException">The OS refused to read the model file itself.</exception>
    /// <exception cref="UnauthorizedAccessException">No permission to read the model file itself.</exception>
    public static OnnxModel Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        if (!File.Exists(fullPath))
            throw new FileNotFoundException($"ONNX model file '{fullPath}' does not exist.", fullPath);
        return Parse(ReadModelFile(fullPath), $"ONNX file '{fullPath}'", fullPath);
    }

    /// <summary>The bytes of a regular file, as long as it was when opened; a pipe or device (which could block or never end) is refused.</summary>
    private static byte[] ReadModelFile(string fullPath)
    {
        try
        {
            using var file = RegularFile.Open(fullPath, followFinalLink: true);
            if (file.Kind != FileKind.Regular)
                throw new InvalidDataException(
                    $"ONNX file '{fullPath}' is {RegularFile.Describe(file.Kind)}, not a regular file; read other sources with OnnxModel.Load(Stream).");
            if (file.Length > Array.MaxLength)
                throw new InvalidDataException($"ONNX file '{fullPath}' has {file.Length} bytes, more than one array can hold.");
            var bytes = new byte[file.Length];
            int read = RegularFile.ReadAt(file.Handle, bytes, 0);
            return read == bytes.Length ? bytes : bytes[..read];
        }
        catch (FileNotFoundException ex)
        {
            throw new FileNotFoundException($"ONNX model file '{fullPath}' does not exist.", fullPath, ex);
        }
    }

    /// <summary>A deep copy, independent of this model.</summary>
    public OnnxModel Clone() => new(Proto.Clone(), null);

    /// <summary>Serializes the model.</summary>
    public byte[] ToBytes() => Proto.ToByteArray();

    /// <summary>Writes the model to a stream (not disposed).</summary>
    public void Save(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Proto.WriteTo(stream);
    }

    /// <summary>
    /// Writes the model to a file atomically (a temporary file in the same folder, then a rename), so a reader
    /// never sees half a model. Writing over the file this model was loaded from is refused.
    /// </summary>
    public void Save(string path) => AtomicFile.Write(path, ToBytes(), SourcePath);

    private static OnnxModel Parse(byte[] bytes, string what, string? sourcePath)
    {
        ModelProto proto;
        WireFormatGuard.Check(bytes, what); // before the parser: repeats it would merge in quadratic time
        try
        {
            using var input = CodedInputStream.CreateWithLimits(new MemoryStream(bytes, writable: false), int.MaxValue, ProtobufRecursionLimit);
            proto = ModelProto.Parser.ParseFrom(input);
        }
        catch (InvalidProtocolBufferException ex)
        {
            throw new InvalidDataException($"The {what} is not a valid ONNX protobuf: {ex.Message}", ex);
        }
        if (proto.Graph is null)
            throw new InvalidDataException($"The {what} has no graph.");
        if (sourcePath is not null)
            ExternalDataReader.Inline(proto, sourcePath);
        var model = new OnnxModel(proto, sourcePath);
        model.Validate(what);
        return model;
    }

    /// <summary>Validation of untrusted input; see OnnxModel.Validation.cs.</summary>
    partial void ValidateCore(string what);

    private void Validate(string what) => ValidateCore(what);
}
