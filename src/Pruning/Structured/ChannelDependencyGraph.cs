using System.Collections.Generic;

namespace Microsoft.ML.Pruning.Structured;

/// <summary>
/// What <see cref="ChannelDependencies.Analyze"/> found: the dependency groups whose channels can be removed exactly,
/// and the layers whose output units cannot (they stay dense, each with the reason).
/// </summary>
/// <param name="Groups">The prunable groups, in graph order of their first producer.</param>
/// <param name="Unprunable">The layers left dense, in graph order, each naming the node and op that stopped the analysis.</param>
public sealed record ChannelDependencyGraph(IReadOnlyList<ChannelGroup> Groups, IReadOnlyList<UnprunableLayer> Unprunable);
