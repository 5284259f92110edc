using static TorchSharp.torch;

namespace Microsoft.ML.Pruning.Trainers.Engine.Ops;

/// <summary>
/// A list of integers a node takes (axes, starts, a shape, split sizes): an attribute, a compile-time constant
/// input, or an input read at run time. Constant lists are read once when the graph is compiled.
/// </summary>
internal readonly struct IntegerListInput
{
    private readonly long[]? _constant;
    private readonly int _slot;
    private readonly string _label;
    private readonly string _what;

    private IntegerListInput(long[]? constant, int slot, string label, string what)
    {
        _constant = constant;
        _slot = slot;
        _label = label;
        _what = what;
    }

    /// <summary>The list given as an attribute (null when absent).</summary>
    public static IntegerListInput FromAttribute(long[]? values) => new(values, -1, "", "");

    /// <summary>The list given as input <paramref name="i"/> (absent when the node leaves it out).</summary>
    public static IntegerListInput FromInput(NodeContext ctx, int i, string what)
    {
        int slot = ctx.OptionalInput(i);
        string description = $"input {i} ({what})";
        long[]? constant = ctx.ConstantInput(i) is { } value ? OpArguments.ReadIntegers(value, ctx.Label, description) : null;
        return new(constant, slot, ctx.Label, description);
    }

    /// <summary>Whether the node gives the list at all.</summary>
    public bool IsPresent => _constant is not null || _slot >= 0;

    /// <summary>The list when known at compile time, else null.</summary>
    public long[]? Constant => _constant;

    /// <summary>The list's values for this run, or null when the node does not give it.</summary>
    public long[]? Read(Tensor?[] slots) =>
        _constant ?? (_slot >= 0 ? OpArguments.ReadIntegers(slots[_slot]!, _label, _what) : null);
}
