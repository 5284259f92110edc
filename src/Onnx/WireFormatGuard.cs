using System;
using System.Collections.Generic;
using System.IO;
using Google.Protobuf.Reflection;
using Microsoft.ML.Pruning.Onnx.Protobuf;

namespace Microsoft.ML.Pruning.Onnx;

/// <summary>
/// Reads the protobuf wire format of an untrusted model once, before the generated parser does, and refuses
/// what would make parsing cost more than linear time: a singular message field (a graph, a type, a oneof member
/// such as TypeProto's <c>tensor_type</c>) that appears more than once in one message. Protobuf merges such
/// repeats, and for a oneof member the generated parser merges by copying the value merged so far on every
/// repeat, so a 1 MB file of repeats costs minutes and ~100 GiB of allocation. Writers set a singular field once.
/// </summary>
/// <remarks>
/// Once per message, not a few times: repeats of an enclosing field (ValueInfoProto's <c>type</c>, say) merge
/// their contents into one object, so a oneof member written once per repeat is repeated in the merged object
/// and copied again each time; with every singular message field at most once, every object the parser builds
/// comes from one stretch of bytes and nothing is merged. Repeated fields and strings are not affected. The walk
/// allocates nothing per message and stops quietly where the parser will fail (a malformed byte, or the end of
/// a truncated file, up to which both read every field), so the parser never reads a byte this walk has not checked.
/// </remarks>
internal static class WireFormatGuard
{
    /// <summary>Deeper than the parser's own limit, so that the parser, not this walk, rejects the nesting.</summary>
    private const int MaxDepth = OnnxModel.ProtobufRecursionLimit + 1;

    private static readonly MessageSpec Model = MessageSpec.For(ModelProto.Descriptor, []);

    /// <summary>Throws <see cref="InvalidDataException"/> naming <paramref name="what"/> and the field if the bytes repeat a singular message field.</summary>
    public static void Check(ReadOnlySpan<byte> bytes, string what) => Scan(bytes, long.MaxValue, 0, Model, 0, what);

    /// <summary>
    /// Walks one message's fields; false where the parser fails. <paramref name="declared"/> is the message's length as
    /// its field says; <paramref name="data"/> may be shorter (a truncated file), and then the parser, like this walk,
    /// reads the fields that are there before it fails.
    /// </summary>
    private static bool Scan(ReadOnlySpan<byte> data, long declared, int offset, MessageSpec spec, int depth, string what)
    {
        ulong seenSingular = 0;
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
                case 0 or 1 or 5:
                    if (!TrySkipScalar(data, ref position, tag & 7)) return false;
                    break;
                case 2:
                    if (!TryReadVarint(data, ref position, out ulong wideLength)) return false;
                    int length = (int)(uint)wideLength;
                    if (length < 0 || length > declared - position) return false; // beyond the enclosing message: the parser stops here
                    bool truncated = length > data.Length - position; // beyond the bytes there are: the parser reads what is there, then fails
                    if (spec.Fields.TryGetValue(number, out var field))
                    {
                        if (field.SingularBit >= 0)
                        {
                            ulong bit = 1UL << field.SingularBit;
                            if ((seenSingular & bit) != 0)
                                throw new InvalidDataException(
                                    $"Invalid {what}: field '{field.Name}' of {spec.Name} appears more than once in one message (at byte {offset + tagAt}); " +
                                    "writers set a singular message field once, and protobuf's merge of repeats can cost time quadratic in the file's size.");
                            seenSingular |= bit;
                        }
                        if (depth + 1 > MaxDepth) return false;
                        var payload = truncated ? data[position..] : data.Slice(position, length);
                        if (!Scan(payload, length, offset + position, field.Message, depth + 1, what)) return false;
                    }
                    if (truncated) return false;
                    position += length;
                    break;
                case 3:
                    if (!SkipGroup(data, ref position, number, depth + 1)) return false;
                    break;
                default: // an end-group tag outside a group, or wire type 6 or 7
                    return false;
            }
        }
        return data.Length >= declared;
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
                case 0 or 1 or 5:
                    if (!TrySkipScalar(data, ref position, tag & 7)) return false;
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

    /// <summary>Skips a varint (wire type 0), fixed64 (1) or fixed32 (5) value.</summary>
    private static bool TrySkipScalar(ReadOnlySpan<byte> data, ref int position, uint wireType) => wireType switch
    {
        0 => TryReadVarint(data, ref position, out _),
        1 => (position += 8) <= data.Length,
        _ => (position += 4) <= data.Length,
    };

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

    /// <summary>A message type's message-typed fields by number, each singular one with its bit.</summary>
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
            int singularBits = 0;
            foreach (var field in descriptor.Fields.InFieldNumberOrder())
            {
                if (field.FieldType != FieldType.Message) continue;
                int bit = field.IsRepeated ? -1 : singularBits++;
                if (bit >= 64) throw new InvalidOperationException($"{descriptor.FullName} has more than 64 singular message fields.");
                spec.Fields.Add(field.FieldNumber, new FieldSpec(field.Name, For(field.MessageType, built), bit));
            }
            return spec;
        }
    }

    private sealed record FieldSpec(string Name, MessageSpec Message, int SingularBit);
}
