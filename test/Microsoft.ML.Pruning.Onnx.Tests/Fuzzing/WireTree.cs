using System;
using System.Collections.Generic;
using System.IO;

namespace Microsoft.ML.Pruning.Onnx.Tests.Fuzzing;

/// <summary>
/// A protobuf message as a tree of fields, read without a schema: a length-delimited field whose payload reads
/// cleanly as fields is kept as a message (strings that happen to look like fields are too; for fuzzing that is
/// fine). Mutations edit the tree and <see cref="Write"/> fixes every length, so a field can be repeated, grown,
/// nested or moved and the file stays well-formed around it.
/// </summary>
public sealed class WireNode
{
    public int Number { get; set; }

    /// <summary>0 varint, 1 fixed64, 2 length-delimited, 5 fixed32.</summary>
    public int WireType { get; set; }

    /// <summary>The encoded value of a varint or fixed field, or the payload of a length-delimited field that is not a message.</summary>
    public byte[] Value { get; set; } = [];

    /// <summary>The fields of a length-delimited payload read as a message, else null.</summary>
    public List<WireNode>? Children { get; set; }

    public WireNode Clone() => new()
    {
        Number = Number, WireType = WireType, Value = Value,
        Children = Children?.ConvertAll(c => c.Clone()),
    };

    /// <summary>The fields of <paramref name="bytes"/>, or null when they are not plain fields (groups are not read).</summary>
    public static List<WireNode>? Read(ReadOnlySpan<byte> bytes, int depth = 0)
    {
        if (depth > 64) return null;
        var nodes = new List<WireNode>();
        int position = 0;
        while (position < bytes.Length)
        {
            if (!TryVarint(bytes, ref position, out ulong tag) || tag >> 3 == 0 || tag >> 3 > 0x1FFFFFFF) return null;
            var node = new WireNode { Number = (int)(tag >> 3), WireType = (int)(tag & 7) };
            int start = position;
            switch (node.WireType)
            {
                case 0:
                    if (!TryVarint(bytes, ref position, out _)) return null;
                    node.Value = bytes[start..position].ToArray();
                    break;
                case 1:
                case 5:
                    position += node.WireType == 1 ? 8 : 4;
                    if (position > bytes.Length) return null;
                    node.Value = bytes[start..position].ToArray();
                    break;
                case 2:
                    if (!TryVarint(bytes, ref position, out ulong length) || length > (ulong)(bytes.Length - position)) return null;
                    var payload = bytes.Slice(position, (int)length);
                    position += (int)length;
                    node.Children = payload.Length > 0 ? Read(payload, depth + 1) : [];
                    if (node.Children is null) node.Value = payload.ToArray();
                    break;
                default:
                    return null;
            }
            nodes.Add(node);
        }
        return nodes;
    }

    /// <summary>Serializes fields, computing every length.</summary>
    public static byte[] Write(List<WireNode> nodes)
    {
        var output = new MemoryStream();
        WriteTo(nodes, output);
        return output.ToArray();
    }

    /// <summary>The serialized size of <paramref name="nodes"/>.</summary>
    public static long Size(List<WireNode> nodes)
    {
        long size = 0;
        foreach (var node in nodes) size += node.Size();
        return size;
    }

    private long Size()
    {
        long tag = VarintSize((ulong)Number << 3 | (uint)WireType);
        if (WireType != 2) return tag + Value.Length;
        long payload = Children is null ? Value.Length : Size(Children);
        return tag + VarintSize((ulong)payload) + payload;
    }

    private static void WriteTo(List<WireNode> nodes, MemoryStream output)
    {
        foreach (var node in nodes)
        {
            WriteVarint(output, (ulong)node.Number << 3 | (uint)node.WireType);
            if (node.WireType != 2) output.Write(node.Value);
            else if (node.Children is null)
            {
                WriteVarint(output, (ulong)node.Value.Length);
                output.Write(node.Value);
            }
            else
            {
                WriteVarint(output, (ulong)Size(node.Children));
                WriteTo(node.Children, output);
            }
        }
    }

    /// <summary>Every node of the tree with the list that holds it, depth first.</summary>
    public static List<(List<WireNode> Parent, int Index)> All(List<WireNode> nodes)
    {
        var all = new List<(List<WireNode>, int)>();
        void Visit(List<WireNode> list)
        {
            for (int i = 0; i < list.Count; i++)
            {
                all.Add((list, i));
                if (list[i].Children is { } children) Visit(children);
            }
        }
        Visit(nodes);
        return all;
    }

    internal static bool TryVarint(ReadOnlySpan<byte> bytes, ref int position, out ulong value)
    {
        value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            if (position >= bytes.Length) return false;
            byte b = bytes[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return true;
        }
        return false;
    }

    internal static void WriteVarint(Stream output, ulong value)
    {
        for (; value >= 0x80; value >>= 7) output.WriteByte((byte)(value | 0x80));
        output.WriteByte((byte)value);
    }

    private static int VarintSize(ulong value)
    {
        int size = 1;
        for (; value >= 0x80; value >>= 7) size++;
        return size;
    }
}
