using Router.Messages.Endpoints;

namespace Router.Actors.Routing;

/// <summary>
/// A group's endpoints in the order of a strategy's rank (<see cref="Strategies.IRoutingStrategy.RankOf"/>, e.g. price),
/// grouped by equal rank: built once per directory version, so a decision looks at the lowest ranks first instead of
/// scanning the whole group (<see cref="CandidateSelector.SelectLowestRanked"/>).
/// </summary>
internal sealed class RankOrder
{
    private readonly int[] _endpoints; // positions in GroupMembers.Endpoints, lowest rank first, group order within a rank
    private readonly int[] _starts;    // where each distinct rank starts in _endpoints, then the end

    public RankOrder(IReadOnlyList<EndpointDefinition> endpoints, Func<EndpointDefinition, double> rankOf)
    {
        var ranks = endpoints.Select(rankOf).ToArray();
        _endpoints = Enumerable.Range(0, endpoints.Count).OrderBy(i => ranks[i]).ToArray(); // a stable sort
        var starts = new List<int>();
        for (var k = 0; k < _endpoints.Length; k++)
            if (k == 0 || ranks[_endpoints[k]] != ranks[_endpoints[k - 1]]) starts.Add(k);
        starts.Add(_endpoints.Length);
        _starts = [.. starts];
        RankOf = rankOf;
    }

    /// <summary>The function this order was built with.</summary>
    public Func<EndpointDefinition, double> RankOf { get; }

    /// <summary>How many distinct ranks there are.</summary>
    public int Ranks => _starts.Length - 1;

    /// <summary>Where the <paramref name="rank"/>-th lowest rank's endpoints are in this order, and how many.</summary>
    public (int First, int Count) Rank(int rank) => (_starts[rank], _starts[rank + 1] - _starts[rank]);

    /// <summary>The group position (in <see cref="GroupMembers.Endpoints"/>) of the endpoint at <paramref name="position"/> in this order.</summary>
    public int Endpoint(int position) => _endpoints[position];
}
