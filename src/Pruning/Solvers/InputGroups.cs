using System;
using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Solvers;

/// <summary>
/// A partition of a layer's n inputs into groups that are kept or removed together: for a Gemm/MatMul consumer each
/// input feature (one neuron of the layer before it) is a group of one; for a Conv consumer viewed as
/// [out, in·kernel], each input channel is the block of its kernel positions.
/// </summary>
internal sealed class InputGroups
{
    private readonly int[][] _members;
    private readonly int[] _groupOf;

    private InputGroups(int inputs, int[][] members)
    {
        Inputs = inputs;
        _members = members;
        _groupOf = new int[inputs];
        Array.Fill(_groupOf, -1);
        int largest = 0;
        for (int g = 0; g < members.Length; g++)
        {
            if (members[g].Length == 0)
            {
                throw new ArgumentOutOfRangeException(nameof(members), $"Group {g} is empty.");
            }

            foreach (int j in members[g])
            {
                if (j < 0 || j >= inputs)
                {
                    throw new ArgumentOutOfRangeException(nameof(members), $"Group {g} names input {j}; the layer has {inputs} inputs.");
                }

                if (_groupOf[j] >= 0)
                {
                    throw new ArgumentOutOfRangeException(nameof(members), $"Input {j} is in groups {_groupOf[j]} and {g}; each input belongs to one group.");
                }

                _groupOf[j] = g;
            }

            largest = Math.Max(largest, members[g].Length);
        }

        for (int j = 0; j < inputs; j++)
        {
            if (_groupOf[j] < 0)
            {
                throw new ArgumentOutOfRangeException(nameof(members), $"Input {j} is in no group; the groups must cover every input.");
            }
        }

        LargestGroup = largest;
    }

    /// <summary>n, the inputs partitioned.</summary>
    public int Inputs { get; }

    /// <summary>The number of groups.</summary>
    public int Count => _members.Length;

    /// <summary>The size of the largest group.</summary>
    public int LargestGroup { get; }

    /// <summary>Whether every group has one input (the group Lasso's block update is then exact).</summary>
    public bool AllSingletons => LargestGroup == 1;

    /// <summary>The inputs of group <paramref name="group"/>, ascending.</summary>
    public ReadOnlySpan<int> Members(int group) => _members[group];

    /// <summary>The group input <paramref name="input"/> belongs to.</summary>
    public int GroupOf(int input) => _groupOf[input];

    /// <summary>Each input its own group (neurons feeding a Gemm/MatMul).</summary>
    public static InputGroups Singletons(int inputs)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        var members = new int[inputs][];
        for (int j = 0; j < inputs; j++)
        {
            members[j] = [j];
        }

        return new InputGroups(inputs, members);
    }

    /// <summary><paramref name="groups"/> consecutive blocks of <paramref name="size"/> inputs (input channels of a Conv viewed as [out, in·kernel]).</summary>
    public static InputGroups Blocks(int groups, int size)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        var members = new int[groups][];
        for (int g = 0; g < groups; g++)
        {
            members[g] = new int[size];
            for (int a = 0; a < size; a++)
            {
                members[g][a] = (g * size) + a;
            }
        }

        return new InputGroups(groups * size, members);
    }

    /// <summary>Any partition of <paramref name="inputs"/> inputs.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An empty group, an index out of range, an input in two groups or in none.</exception>
    public static InputGroups FromMembers(int inputs, IReadOnlyList<int[]> members)
    {
        ArgumentNullException.ThrowIfNull(members);
        ArgumentOutOfRangeException.ThrowIfLessThan(inputs, 1);
        var copy = new int[members.Count][];
        for (int g = 0; g < copy.Length; g++)
        {
            copy[g] = (int[])members[g].Clone();
            Array.Sort(copy[g]);
        }

        return new InputGroups(inputs, copy);
    }
}
