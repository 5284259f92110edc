using Google.Protobuf.Collections;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// <c>foreach</c> over a <see cref="RepeatedField{T}"/> without allocating: its own enumerator is a heap iterator,
/// and validating an untrusted file loops over every node's inputs, outputs and attributes.
/// </summary>
internal static class RepeatedFieldExtensions
{
    public static Items<T> Each<T>(this RepeatedField<T> field) => new(field);

    internal readonly struct Items<T>(RepeatedField<T> items)
    {
        public Enumerator<T> GetEnumerator() => new(items);
    }

    internal struct Enumerator<T>(RepeatedField<T> items)
    {
        private int _index = -1;

        public readonly T Current => items[_index];

        public bool MoveNext() => ++_index < items.Count;
    }
}
