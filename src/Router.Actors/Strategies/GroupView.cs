using System.Collections.Immutable;
using System.Runtime.InteropServices;
using Router.Actors.Routing;
using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// A large group as a strategy's <see cref="IRoutingStrategy.Shortlist"/> sees it: every endpoint's definition, and any
/// endpoint's state on demand, so the strategy reads only the few it needs.
/// </summary>
public readonly struct GroupView
{
    /// <summary>How many positions the built-in strategies shortlist: a decision tries a few endpoints at most
    /// (<see cref="Routing.RoutingSettings.MaxAcquireAttempts"/>), and this many leave room for those the filters take
    /// out, while costing half what ranking a sample of <see cref="Routing.CandidateSelector.SampleSize"/> does.</summary>
    public const int BuiltInShortlist = 16;

    private readonly GroupMembers _members;
    private readonly string _selfHolder;

    internal GroupView(GroupMembers members, string selfHolder) => (_members, _selfHolder) = (members, selfHolder);

    /// <summary>
    /// The group's endpoints in group order (by id); an endpoint's index here is its <see cref="EndpointCandidate.Position"/>.
    /// The same array until the directory changes (compare with <c>==</c>, which compares the arrays), so a strategy may
    /// build what it needs once per instance.
    /// </summary>
    public ImmutableArray<EndpointDefinition> Endpoints => ImmutableCollectionsMarshal.AsImmutableArray(_members.Endpoints);

    /// <summary>The endpoint at <paramref name="position"/> with its state now, as a candidate would carry it, whether or
    /// not it may take the request.</summary>
    public EndpointCandidate this[int position] => CandidateSelector.Candidate(_members, position, _selfHolder);

    /// <summary>
    /// Whether every candidate's <see cref="EndpointCandidate.Position"/> is its place in <paramref name="endpoints"/> (a
    /// <see cref="Endpoints"/> instance a strategy kept): then a strategy that takes turns by position may go on doing so
    /// when the router gives it the whole group rather than its shortlist.
    /// </summary>
    internal static bool Places(ImmutableArray<EndpointDefinition> endpoints, IReadOnlyList<EndpointCandidate> candidates)
    {
        if (endpoints.IsDefault) return false;
        for (var i = 0; i < candidates.Count; i++)
        {
            var position = candidates[i].Position;
            if ((uint)position >= (uint)endpoints.Length || !ReferenceEquals(endpoints[position], candidates[i].Definition)) return false;
        }
        return true;
    }
}
