using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf.Reflection;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Reads the protobuf wire format of an untrusted model once, before the generated parser does, and refuses
/// what would make parsing cost more than linear time: a message-typed member of a oneof (TypeProto's
/// <c>tensor_type</c>, <c>sequence_type</c>, …) that appears more than once in one message. Protobuf merges such
/// repeats, and the generated parser does it by copying the value merged so far on every repeat, so a 1 MB
/// file of repeats costs minutes and ~100 GiB of allocation. Writers set a oneof member once.
/// </summary>
/// <remarks>
/// Other singular message fields are merged in place (linear) and are allowed to repeat. The walk allocates
/// nothing per message and stops quietly at the first malformed byte: the parser then rejects the file at the same
/// place or earlier, having read only bytes this walk has checked.
/// </remarks>
internal static class WireFormatGuard
{
    /// <summary>Deeper than the parser's own limit, so that the parser, not this walk, rejects the nesting.</summary>
    private const int MaxDepth = OnnxModel.ProtobufRecursionLimit + 1;

    private static readonly MessageSpec Model = MessageSpec.For(ModelProto.Descriptor, []);

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="what"/> if the bytes repeat a oneof message member.</summary>
    public static void Check(ReadOnlySpan<byte> bytes, string what) => Scan(bytes, 0, Model, 0, what);

    /// <summary>Walks one message's fields; false at the first malformed byte.</summary>
    private static bool Scan(ReadOnlySpan<byte> data, int offset, MessageSpec spec, int depth, string what)
    {
        ulong seenOneofMembers = 0;
        int position = 0;
        while (position < data.Length)
        {
            int tagAt = position;
            if (!TryReadVarint(data, ref position, out ulong wideTag)) return false;
            uint tag = (uint)wideTag; // as the parser reads tags: upper bits discarded
            int number = (int)(tag >> 3);
            if (number == 0) return false;
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(data, ref position, out _)) return false;
                    break;
                case 1:
                    if ((position += 8) > data.Length) return false;
                    break;
                case 5:
                    if ((position += 4) > data.Length) return false;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref position, out ulong wideLength)) return false;
                    int length = (int)(uint)wideLength;
                    if (length < 0 || length > data.Length - position) return false;
                    if (spec.Fields.TryGetValue(number, out var field))
                    {
                        if (field.OneofBit >= 0)
                        {
                            ulong bit = 1UL << field.OneofBit;
                            if ((seenOneofMembers & bit) != 0)
                                throw new InvalidDataException(
                                    $"Invalid {what}: field '{field.Name}' of {spec.Name} appears more than once in one message (at byte {offset + tagAt}); " +
                                    "it is a member of a oneof, which writers set once, and protobuf's merge of repeats costs time quadratic in the file's size.");
                            seenOneofMembers |= bit;
                        }
                        if (depth + 1 > MaxDepth) return false;
                        if (!Scan(data.Slice(position, length), offset + position, field.Message, depth + 1, what)) return false;
                    }
                    position += length;
                    break;
                case 3:
                    if (!SkipGroup(data, ref position, number, depth + 1)) return false;
                    break;
                default: // an end-group tag outside a group, or wire type 6 or 7
                    return false;
            }
        }
        return true;
    }

    /// <summary>Skips an unknown group up to its matching end tag.</summary>
    private static bool SkipGroup(ReadOnlySpan<byte> data, ref int position, int number, int depth)
    {
        if (depth > MaxDepth) return false;
        while (position < data.Length)
        {
            if (!TryReadVarint(data, ref position, out ulong wideTag)) return false;
            uint tag = (uint)wideTag;
            int inner = (int)(tag >> 3);
            if (inner == 0) return false;
            switch (tag & 7)
            {
                case 0:
                    if (!TryReadVarint(data, ref position, out _)) return false;
                    break;
                case 1:
                    if ((position += 8) > data.Length) return false;
                    break;
                case 5:
                    if ((position += 4) > data.Length) return false;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref position, out ulong wideLength)) return false;
                    int length = (int)(uint)wideLength;
                    if (length < 0 || length > data.Length - position) return false;
                    position += length;
                    break;
                case 3:
                    if (!SkipGroup(data, ref position, inner, depth + 1)) return false;
                    break;
                case 4:
                    return inner == number;
                default:
                    return false;
            }
        }
        return false; // no end tag
    }

    private static bool TryReadVarint(ReadOnlySpan<byte> data, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 70; shift += 7)
        {
            if (position >= data.Length) return false;
            byte b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false; // more than 10 bytes
    }

    /// <summary>A message type's fields by number: which are messages, and which of those are oneof members.</summary>
    private sealed class MessageSpec
    {
        private MessageSpec(string name) => Name = name;

        public string Name { get; }

        public Dictionary<int, FieldSpec> Fields { get; } = [];

        /// <summary>The spec of <paramref name="descriptor"/>, sharing specs of types already built (TypeProto nests itself).</summary>
        public static MessageSpec For(MessageDescriptor descriptor, Dictionary<string, MessageSpec> built)
        {
            if (built.TryGetValue(descriptor.FullName, out var existing)) return existing;
            var spec = new MessageSpec(descriptor.FullName);
            built.Add(descriptor.FullName, spec);
            int oneofBits = 0;
            foreach (var field in descriptor.Fields.InFieldNumberOrder())
            {
                if (field.FieldType != FieldType.Message) continue;
                int bit = field.ContainingOneof is null || field.IsRepeated ? -1 : oneofBits++;
                if (bit >= 64) throw new InvalidOperationException($"{descriptor.FullName} has more than 64 oneof message members.");
                spec.Fields.Add(field.FieldNumber, new FieldSpec(field.Name, For(field.MessageType, built), bit));
            }
            return spec;
        }
    }

    private sealed record FieldSpec(string Name, MessageSpec Message, int OneofBit);
}
