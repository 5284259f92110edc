using System;
using System.IO;
using Microsoft.ML.Pruning.Onnx.Protobuf;
using static TorchSharp.torch;
using AttributeType = Microsoft.ML.Pruning.Onnx.Protobuf.AttributeProto.Types.AttributeType;

namespace Microsoft.ML.Pruning.Trainers.Engine;

/// <summary>
/// A node as an op's <see cref="OpDefinition.Compile"/> sees it: resolved slot indices of its inputs and
/// outputs, typed attribute reads that fail with the node's name, the model's opset, and the values of inputs
/// that are known at compile time (non-float initializers and Constant outputs).
/// </summary>
internal sealed class NodeContext
{
    private readonly int[] _inputSlots;
    private readonly int[] _outputSlots;
    private readonly Func<string, Tensor?> _constantOf;
    private readonly Action<int, Tensor> _defineConstant;

    internal NodeContext(
        NodeProto node, int index, long opset, int[] inputSlots, int[] outputSlots,
        Func<string, Tensor?> constantOf, Action<int, Tensor> defineConstant)
    {
        Node = node;
        Opset = opset;
        Label = Describe(node, index);
        _inputSlots = inputSlots;
        _outputSlots = outputSlots;
        _constantOf = constantOf;
        _defineConstant = defineConstant;
    }

    /// <summary>The node.</summary>
    public NodeProto Node { get; }

    /// <summary>The version of the default ONNX domain the model imports.</summary>
    public long Opset { get; }

    /// <summary>"Gemm node 'fc1'" or, for unnamed nodes, "Gemm node #3": for messages.</summary>
    public string Label { get; }

    /// <summary>How a node is named in messages: by name, or by index when it has none.</summary>
    public static string Describe(NodeProto node, int index) =>
        string.IsNullOrEmpty(node.Name) ? $"{node.OpType} node #{index}" : $"{node.OpType} node '{node.Name}'";

    /// <summary>Slot of required input <paramref name="i"/> (the compiler has checked it is present).</summary>
    public int Input(int i) => _inputSlots[i];

    /// <summary>Slot of optional input <paramref name="i"/>, or -1 when it is absent or empty.</summary>
    public int OptionalInput(int i) => i < _inputSlots.Length ? _inputSlots[i] : -1;

    /// <summary>Slot of output <paramref name="i"/>, or -1 when the node does not name it (an unused optional output).</summary>
    public int Output(int i) => i < _outputSlots.Length ? _outputSlots[i] : -1;

    /// <summary>The compile-time value of input <paramref name="i"/>, or null when it is computed or fed at run time.</summary>
    public Tensor? ConstantInput(int i)
    {
        if (i >= Node.Input.Count || Node.Input[i].Length == 0) return null;
        return _constantOf(Node.Input[i]);
    }

    /// <summary>The compile-time value of an INT64 input read as an array, or null when it is only known at run time.</summary>
    public long[]? ConstantInt64s(int i)
    {
        var constant = ConstantInput(i);
        if (constant is null) return null;
        if (constant.dtype != ScalarType.Int64)
            throw Invalid($"input {i} ('{Node.Input[i]}') must be INT64, not {constant.dtype}.");
        return TensorValues.ToArray<long>(constant);
    }

    /// <summary>Declares output <paramref name="i"/> a constant; the engine keeps <paramref name="value"/> as a buffer.</summary>
    public void DefineConstantOutput(int i, Tensor value) => _defineConstant(i, value);

    /// <summary>Whether the node carries attribute <paramref name="name"/>.</summary>
    public bool HasAttribute(string name) => Find(name) is not null;

    /// <summary>A FLOAT attribute, or <paramref name="defaultValue"/> when absent.</summary>
    public float GetFloat(string name, float defaultValue)
    {
        var a = Find(name, AttributeType.Float);
        return a is null ? defaultValue : a.F;
    }

    /// <summary>An INT attribute, or <paramref name="defaultValue"/> when absent.</summary>
    public long GetInt(string name, long defaultValue)
    {
        var a = Find(name, AttributeType.Int);
        return a is null ? defaultValue : a.I;
    }

    /// <summary>A STRING attribute (UTF-8), or <paramref name="defaultValue"/> when absent.</summary>
    public string GetString(string name, string defaultValue)
    {
        var a = Find(name, AttributeType.String);
        return a is null ? defaultValue : a.S.ToStringUtf8();
    }

    /// <summary>An INTS attribute, or null when absent.</summary>
    public long[]? GetInts(string name)
    {
        var a = Find(name, AttributeType.Ints);
        return a is null ? null : [.. a.Ints];
    }

    /// <summary>A FLOATS attribute, or null when absent.</summary>
    public float[]? GetFloats(string name)
    {
        var a = Find(name, AttributeType.Floats);
        return a is null ? null : [.. a.Floats];
    }

    /// <summary>A TENSOR attribute, or null when absent.</summary>
    public TensorProto? GetTensor(string name) => Find(name, AttributeType.Tensor)?.T;

    /// <summary>An exception naming this node, for malformed graphs.</summary>
    public InvalidDataException Invalid(string message) => new($"{Label}: {message}");

    private AttributeProto? Find(string name, AttributeType expected)
    {
        var a = Find(name);
        if (a is null) return null;
        var actual = a.HasType && a.Type != AttributeType.Undefined ? a.Type : Infer(a);
        if (actual != expected)
            throw Invalid($"attribute '{name}' must be {expected.ToString().ToUpperInvariant()}, not {actual.ToString().ToUpperInvariant()}.");
        return a;
    }

    private AttributeProto? Find(string name)
    {
        foreach (var a in Node.Attribute)
            if (a.Name == name) return a;
        return null;
    }

    /// <summary>Producers before IR version 3 may leave <c>type</c> unset; the populated field tells it.</summary>
    private static AttributeType Infer(AttributeProto a) =>
        a.HasF ? AttributeType.Float
        : a.HasI ? AttributeType.Int
        : a.HasS ? AttributeType.String
        : a.T is not null ? AttributeType.Tensor
        : a.Floats.Count > 0 ? AttributeType.Floats
        : a.Ints.Count > 0 ? AttributeType.Ints
        : AttributeType.Undefined;
}
