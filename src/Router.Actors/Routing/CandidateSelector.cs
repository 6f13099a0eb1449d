using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Strategies;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Routing;

/// <summary>The endpoints a request may go to, or why there are none.</summary>
internal readonly record struct CandidateSelection(
    ModelGroupDefinition? Group,
    List<EndpointCandidate> Candidates,
    NoEndpointAvailable? Rejection);

/// <summary>
/// Applies the filters every strategy relies on: excluded, drained, tags, context window, cooling down.
/// Each filter that empties the list names the reason, so the caller learns what to fix.
/// Capacity is not filtered here: cached counts may be stale, so only the endpoint actor refuses on it.
/// </summary>
internal static class CandidateSelector
{
    public static CandidateSelection Select(DirectorySnapshot directory, SnapshotCache snapshots, RouteRequest request, DateTimeOffset now)
    {
        if (!directory.Groups.TryGetValue(request.ModelGroup, out var group))
            return Reject(null, request, NoEndpointReason.UnknownGroup, $"The model '{request.ModelGroup}' does not exist.");
        var endpoints = directory.EndpointsOf(group.Name);
        if (endpoints.IsEmpty)
            return Reject(group, request, NoEndpointReason.NoEndpoints, $"The model '{group.Name}' has no endpoints.");

        var candidates = new List<EndpointCandidate>(endpoints.Length);
        var stage = NoEndpointReason.AllExcluded;
        DateTimeOffset? earliestCooldownEnd = null;
        foreach (var endpoint in endpoints)
        {
            if (request.ExcludeEndpoints?.Contains(endpoint.Id) == true) continue;
            Advance(ref stage, NoEndpointReason.AllDrained);
            if (endpoint.Drained) continue;
            Advance(ref stage, NoEndpointReason.NoMatchingTags);
            if (!HasAllTags(endpoint, request.Tags)) continue;
            Advance(ref stage, NoEndpointReason.ContextWindowExceeded);
            if (endpoint.ContextWindow is { } window && request.EstimatedInputTokens > window) continue;
            Advance(ref stage, NoEndpointReason.AllCoolingDown);
            var snapshot = snapshots.Get(endpoint.Id);
            if (snapshot.IsCoolingDown(now))
            {
                if (earliestCooldownEnd is null || snapshot.CooldownUntil < earliestCooldownEnd) earliestCooldownEnd = snapshot.CooldownUntil;
                continue;
            }
            candidates.Add(new EndpointCandidate(endpoint, snapshot));
        }

        if (candidates.Count > 0) return new CandidateSelection(group, candidates, null);
        return stage switch
        {
            NoEndpointReason.AllExcluded => Reject(group, request, stage, $"Every endpoint of '{group.Name}' was already tried for this request."),
            NoEndpointReason.AllDrained => Reject(group, request, stage, $"Every endpoint of '{group.Name}' is drained."),
            NoEndpointReason.NoMatchingTags => Reject(group, request, stage,
                $"No endpoint of '{group.Name}' has all the tags [{string.Join(", ", request.Tags ?? [])}]."),
            NoEndpointReason.ContextWindowExceeded => Reject(group, request, stage,
                $"The prompt (~{request.EstimatedInputTokens} tokens) exceeds the context window of every endpoint of '{group.Name}'."),
            _ => Reject(group, request, NoEndpointReason.AllCoolingDown,
                $"Every endpoint of '{group.Name}' is cooling down after failures.", earliestCooldownEnd - now),
        };
    }

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

    private static CandidateSelection Reject(
        ModelGroupDefinition? group, RouteRequest request, NoEndpointReason reason, string message, TimeSpan? retryAfter = null) =>
        new(group, [], new NoEndpointAvailable(request.ModelGroup, reason, message, retryAfter));
}
