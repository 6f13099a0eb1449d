using System.Collections.Frozen;
using System.Collections.Immutable;
using Router.Messages.Endpoints;

namespace Router.Actors.Directory;

/// <summary>An immutable picture of every model group and endpoint, rebuilt when the replicated directory changes.</summary>
public sealed class DirectorySnapshot
{
    public static readonly DirectorySnapshot Empty = new([], []);

    public DirectorySnapshot(IEnumerable<ModelGroupDefinition> groups, IEnumerable<EndpointDefinition> endpoints)
    {
        Groups = groups.ToFrozenDictionary(g => g.Name, StringComparer.Ordinal);
        Endpoints = endpoints.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);
        EndpointsByGroup = Endpoints.Values
            .GroupBy(e => e.ModelGroup, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.OrderBy(e => e.Id, StringComparer.Ordinal).ToImmutableArray(), StringComparer.Ordinal);
    }

    public FrozenDictionary<string, ModelGroupDefinition> Groups { get; }
    public FrozenDictionary<string, EndpointDefinition> Endpoints { get; }

    /// <summary>Endpoints of each group, sorted by id so every node sees the same order.</summary>
    public FrozenDictionary<string, ImmutableArray<EndpointDefinition>> EndpointsByGroup { get; }

    public ImmutableArray<EndpointDefinition> EndpointsOf(string group) =>
        EndpointsByGroup.TryGetValue(group, out var endpoints) ? endpoints : [];
}
