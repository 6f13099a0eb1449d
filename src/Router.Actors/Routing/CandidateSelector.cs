using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Routing;

/// <summary>
/// Applies the filters every strategy relies on: excluded, drained, tags, context window, cooling down.
/// Each filter that empties the list names the reason, so the caller learns what to fix.
/// Capacity is not filtered here: cached counts may be stale, so only the endpoint actor refuses on it.
/// </summary>
internal static class CandidateSelector
{
    /// <summary>How many endpoints a strategy that ranks a sample (<see cref="IRoutingStrategy.RanksASample"/>) is given.</summary>
    public const int SampleSize = 32;

    /// <summary>Fills <paramref name="candidates"/> (one pass, no allocation per endpoint); returns why it stayed empty, or null.</summary>
    /// <param name="selfHolder">This node's holder id: each candidate's count carries this node's part exactly
    /// (<see cref="InFlightView"/>).</param>
    /// <param name="sampleFrom">For a strategy that ranks a sample, where a group larger than twice
    /// <see cref="SampleSize"/> starts it (any number; taken modulo the group's size): then only that many endpoints,
    /// one after another from there, are considered. Every endpoint is, when none of those passes the filters.</param>
    public static NoEndpointAvailable? Select(GroupMembers members, RouteRequest request, DateTimeOffset now, List<EndpointCandidate> candidates,
        string selfHolder, int? sampleFrom = null)
    {
        var group = members.Group;
        var endpoints = members.Endpoints;
        if (endpoints.Length == 0)
            return Reject(request, NoEndpointReason.NoEndpoints, $"The model '{group.Name}' has no endpoints.");

        var stage = NoEndpointReason.AllExcluded;
        DateTimeOffset? earliestCooldownEnd = null;
        if (sampleFrom is { } from && endpoints.Length > 2 * SampleSize)
        {
            var start = (int)((uint)from % (uint)endpoints.Length);
            for (var k = 0; k < SampleSize; k++) Consider((start + k) % endpoints.Length);
            if (candidates.Count > 0) return null;
            (stage, earliestCooldownEnd) = (NoEndpointReason.AllExcluded, null);
        }
        for (var i = 0; i < endpoints.Length; i++) Consider(i);

        void Consider(int i)
        {
            var endpoint = endpoints[i];
            if (request.ExcludeEndpoints is { Count: > 0 } excluded && excluded.Contains(endpoint.Id)) return;
            Advance(ref stage, NoEndpointReason.AllDrained);
            if (endpoint.Drained) return;
            Advance(ref stage, NoEndpointReason.NoMatchingTags);
            if (!HasAllTags(endpoint, request.Tags)) return;
            Advance(ref stage, NoEndpointReason.ContextWindowExceeded);
            if (endpoint.ContextWindow is { } window && request.EstimatedInputTokens > window) return;
            Advance(ref stage, NoEndpointReason.AllCoolingDown);
            var slot = members.Slots[i];
            var snapshot = slot.Snapshot;
            if (snapshot.IsCoolingDown(now))
            {
                if (earliestCooldownEnd is null || snapshot.CooldownUntil < earliestCooldownEnd) earliestCooldownEnd = snapshot.CooldownUntil;
                return;
            }
            candidates.Add(new EndpointCandidate(endpoint, snapshot) { Pending = InFlightView.Pending(slot, snapshot, members.HeldHere[i], selfHolder) });
        }

        if (candidates.Count > 0) return null;
        return stage switch
        {
            NoEndpointReason.AllExcluded => Reject(request, stage, $"Every endpoint of '{group.Name}' was already tried for this request."),
            NoEndpointReason.AllDrained => Reject(request, stage, $"Every endpoint of '{group.Name}' is drained."),
            NoEndpointReason.NoMatchingTags => Reject(request, stage,
                $"No endpoint of '{group.Name}' has all the tags [{string.Join(", ", request.Tags ?? [])}]."),
            NoEndpointReason.ContextWindowExceeded => Reject(request, stage,
                $"The prompt (~{request.EstimatedInputTokens} tokens) exceeds the context window of every endpoint of '{group.Name}'."),
            _ => Reject(request, NoEndpointReason.AllCoolingDown,
                $"Every endpoint of '{group.Name}' is cooling down after failures.", earliestCooldownEnd - now),
        };
    }

    public static NoEndpointAvailable UnknownGroup(RouteRequest request) =>
        Reject(request, NoEndpointReason.UnknownGroup, $"The model '{request.ModelGroup}' does not exist.");

    private static bool HasAllTags(EndpointDefinition endpoint, IReadOnlyList<string>? wanted)
    {
        if (wanted is null || wanted.Count == 0) return true;
        var tags = endpoint.TagsOrEmpty;
        foreach (var tag in wanted)
            if (!tags.Contains(tag, StringComparer.OrdinalIgnoreCase)) return false;
        return true;
    }

    /// <summary>Remembers the furthest filter any endpoint got past: the one that emptied the list last.</summary>
    private static void Advance(ref NoEndpointReason stage, NoEndpointReason next)
    {
        if (Rank(next) > Rank(stage)) stage = next;
    }

    private static int Rank(NoEndpointReason reason) => reason switch
    {
        NoEndpointReason.AllExcluded => 0,
        NoEndpointReason.AllDrained => 1,
        NoEndpointReason.NoMatchingTags => 2,
        NoEndpointReason.ContextWindowExceeded => 3,
        _ => 4,
    };

    private static NoEndpointAvailable Reject(RouteRequest request, NoEndpointReason reason, string message, TimeSpan? retryAfter = null) =>
        new(request.ModelGroup, reason, message, retryAfter);
}
