using System;
using System.Collections.Generic;
using Microsoft.ML.Pruning.Algorithms;

namespace Microsoft.ML.Pruning.Tests.Pruning;

/// <summary>
/// The specification of mask selection written the slow, obvious way: sort all candidates by
/// (score, layer order, index) and prune the first round(s·N).
/// </summary>
internal static class SortReference
{
    /// <summary>Keep flags for layers that share one pruning count.</summary>
    public static bool[][] Keep(IReadOnlyList<float[]> scores, double sparsity)
    {
        var candidates = new List<(float Score, int Layer, int Index)>();
        var keep = new bool[scores.Count][];
        for (int l = 0; l < scores.Count; l++)
        {
            keep[l] = new bool[scores[l].Length];
            Array.Fill(keep[l], true);
            for (int i = 0; i < scores[l].Length; i++)
                candidates.Add((scores[l][i], l, i));
        }
        candidates.Sort();
        long prune = MaskSelector.TargetPrunedCount(candidates.Count, sparsity);
        for (int c = 0; c < prune; c++)
            keep[candidates[c].Layer][candidates[c].Index] = false;
        return keep;
    }

    /// <summary>Keep flags by magnitude for layers that share one pruning count.</summary>
    public static bool[][] KeepByMagnitude(IReadOnlyList<float[]> weights, double sparsity)
    {
        var scores = new List<float[]>();
        foreach (float[] w in weights)
            scores.Add(Array.ConvertAll(w, Math.Abs));
        return Keep(scores, sparsity);
    }

    /// <summary>Asserts that the mask's flags and counts equal the expected flags.</summary>
    public static void AssertSame(bool[] expected, PruningMask actual, string context)
    {
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(expected.Length, actual.Length, context);
        int pruned = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            if (expected[i] != actual.IsKept(i))
                Microsoft.VisualStudio.TestTools.UnitTesting.Assert.Fail($"{context}: index {i} expected {(expected[i] ? "kept" : "pruned")}.");
            pruned += expected[i] ? 0 : 1;
        }
        Microsoft.VisualStudio.TestTools.UnitTesting.Assert.AreEqual(pruned, actual.PrunedCount, context);
    }

    /// <summary>Random weights of a few kinds: continuous, heavily tied, with zeros and negatives.</summary>
    public static float[] RandomWeights(Random random, int n)
    {
        var w = new float[n];
        int kind = random.Next(4);
        for (int i = 0; i < n; i++)
        {
            w[i] = kind switch
            {
                0 => (float)(random.NextDouble() * 2 - 1),
                1 => random.Next(-3, 4) * 0.25f,            // few distinct values: many ties
                2 => random.Next(3) == 0 ? 0f : (float)random.NextDouble(),
                _ => (float)(random.NextDouble() - 0.5) * 1e-3f,
            };
        }
        return w;
    }
}
