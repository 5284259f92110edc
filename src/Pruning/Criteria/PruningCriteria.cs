using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Reflection;

namespace Microsoft.ML.Pruning.Criteria;

/// <summary>
/// Finds criteria by name: every public <see cref="IPruningCriterion"/> with a parameterless constructor in this
/// assembly, plus those added with <see cref="Register"/>. Adding a criterion is adding its class.
/// </summary>
public static class PruningCriteria
{
    private static readonly ConcurrentDictionary<string, Func<IPruningCriterion>> Registered = new(StringComparer.OrdinalIgnoreCase);
    private static readonly Lazy<Dictionary<string, Type>> BuiltIn = new(() =>
        typeof(IPruningCriterion).Assembly.GetTypes()
            .Where(t => t.IsPublic && !t.IsAbstract && typeof(IPruningCriterion).IsAssignableFrom(t) && t.GetConstructor(Type.EmptyTypes) is not null)
            .ToDictionary(t => ((IPruningCriterion)Activator.CreateInstance(t)!).Name, t => t, StringComparer.OrdinalIgnoreCase));

    /// <summary>Every known criterion name, sorted.</summary>
    public static IReadOnlyList<string> Names =>
        [.. BuiltIn.Value.Keys.Concat(Registered.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.Ordinal)];

    /// <summary>Adds (or replaces) a criterion made by <paramref name="create"/> under its <see cref="IPruningCriterion.Name"/>.</summary>
    public static void Register(Func<IPruningCriterion> create)
    {
        ArgumentNullException.ThrowIfNull(create);
        string name = create().Name;
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("The criterion has no name.", nameof(create));
        Registered[name] = create;
    }

    /// <summary>A new instance of the criterion named <paramref name="name"/> (case-insensitive).</summary>
    /// <exception cref="ArgumentOutOfRangeException">No criterion has that name; the message lists the known ones.</exception>
    public static IPruningCriterion Create(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Registered.TryGetValue(name, out var create)) return create();
        if (BuiltIn.Value.TryGetValue(name, out var type)) return (IPruningCriterion)Activator.CreateInstance(type)!;
        throw new ArgumentOutOfRangeException("Criterion", name, $"Unknown criterion '{name}'. Known criteria: {string.Join(", ", Names)}.");
    }
}
