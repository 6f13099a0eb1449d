using Microsoft.Extensions.Logging;
using Router.Actors.Endpoints;
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

    /// <summary>
    /// The candidates a decision considers: the whole group's, or, in a large group, those of the strategy's shortlist
    /// (<paramref name="shortlisted"/>) when it makes one and they will do (<see cref="SelectShortlisted"/>), a sample for a
    /// strategy that ranks one, or the lowest-ranked ones for a strategy that only picks those (cost) when nothing else
    /// can push a decision past them: no caps or order tiers (the router's preferred tier) and no silent endpoint.
    /// Returns why there are none, or null.
    /// </summary>
    public static NoEndpointAvailable? SelectFor(GroupMembers members, GroupStrategy strategy, RouteRequest request, DateTimeOffset now,
        List<EndpointCandidate> candidates, string selfHolder, IRandomSource random, RoutingSettings settings, SilentEndpoints silent, ILogger log,
        out bool shortlisted)
    {
        // The context only for a group that may be shortlisted: the small groups of the common case allocate nothing here.
        shortlisted = AsksForShortlist(members, strategy) && SelectShortlisted(members, strategy, new RoutingContext(request, now, random, settings.Strategy),
            candidates, selfHolder, silent, log);
        if (shortlisted) return null;
        if (strategy.RankOf is { } rankOf && members.Endpoints.Length > 2 * SampleSize && !members.NeedsTiering && silent.IsEmpty)
        {
            if (members.RankOrder(rankOf, out var failure) is { } order)
                return SelectLowestRanked(members, order, request, now, candidates, selfHolder, settings.MaxAcquireAttempts, random.Next(int.MaxValue));
            // A custom strategy's rank threw: logged once per directory version, and the whole group is looked at.
            if (failure is not null) RoutingLog.StrategyFailed(log, strategy.Name, request.ModelGroup, failure.GetType().Name, failure.Message);
        }
        var sampleFrom = strategy.RanksASample ? random.Next(int.MaxValue) : (int?)null;
        return Select(members, request, now, candidates, selfHolder, sampleFrom);
    }

    /// <summary>Fills <paramref name="candidates"/> (one pass, no allocation per endpoint); returns why it stayed empty, or null.</summary>
    /// <param name="selfHolder">This node's holder id: each candidate's count carries this node's part exactly
    /// (<see cref="InFlightView"/>).</param>
    /// <param name="sampleFrom">For a strategy that ranks a sample (<see cref="IRoutingStrategy.RanksASample"/>), where a group larger than twice
    /// <see cref="SampleSize"/> starts it (any number; taken modulo the group's size): then only that many endpoints,
    /// one after another from there, are considered. Every endpoint is, when none of those passes the filters.</param>
    public static NoEndpointAvailable? Select(GroupMembers members, RouteRequest request, DateTimeOffset now, List<EndpointCandidate> candidates,
        string selfHolder, int? sampleFrom = null)
    {
        if (members.Endpoints.Length == 0) return NoEndpoints(members, request);
        var filter = new Filter(members, request, now, candidates, selfHolder);
        var endpoints = members.Endpoints.Length;
        if (sampleFrom is { } from && endpoints > 2 * SampleSize)
        {
            var beforeSample = filter; // a copy: the reason for an empty group is the whole group's, not the sample's
            var start = (int)((uint)from % (uint)endpoints);
            for (var k = 0; k < SampleSize; k++) filter.Consider((start + k) % endpoints);
            if (candidates.Count > 0) return null;
            filter = beforeSample;
        }
        for (var i = 0; i < endpoints; i++) filter.Consider(i);
        return candidates.Count > 0 ? null : filter.Rejection();
    }

    /// <summary>
    /// For a strategy that picks only among the lowest-ranked candidates (<see cref="IRoutingStrategy.RankOf"/>): the
    /// candidates of the lowest ranks that have any, in rank order, until there are at least <paramref name="atLeast"/>
    /// (as many as a decision may try, so a refusal moves on to the next rank as it would from the whole group). A rank
    /// shared by more than twice <see cref="SampleSize"/> endpoints is sampled as <see cref="Select"/> samples a group.
    /// Nothing passing anywhere gives the same reason as <see cref="Select"/>: then every endpoint was looked at.
    /// </summary>
    public static NoEndpointAvailable? SelectLowestRanked(GroupMembers members, RankOrder order, RouteRequest request, DateTimeOffset now,
        List<EndpointCandidate> candidates, string selfHolder, int atLeast, int sampleFrom)
    {
        if (members.Endpoints.Length == 0) return NoEndpoints(members, request);
        var filter = new Filter(members, request, now, candidates, selfHolder);
        for (var rank = 0; rank < order.Ranks && candidates.Count < atLeast; rank++)
        {
            var (first, count) = order.Rank(rank);
            if (count > 2 * SampleSize)
            {
                var (beforeSample, found) = (filter, candidates.Count);
                var start = (int)((uint)sampleFrom % (uint)count);
                for (var k = 0; k < SampleSize; k++) filter.Consider(order.Endpoint(first + (start + k) % count));
                if (candidates.Count >= atLeast) break;
                // Too few of this rank passed in the sample: the whole rank, as without sampling.
                candidates.RemoveRange(found, candidates.Count - found);
                filter = beforeSample;
            }
            for (var k = 0; k < count; k++) filter.Consider(order.Endpoint(first + k));
        }
        return candidates.Count > 0 ? null : filter.Rejection();
    }

    /// <summary>
    /// For a strategy that shortlists a large group (<see cref="IRoutingStrategy.Shortlist"/>): the candidates among its
    /// shortlist's positions, in its order (a position outside the group, or named twice, is passed over). False, with
    /// <paramref name="candidates"/> left empty, when the group is not shortlisted or the shortlist would not do and the
    /// whole group must be looked at (<see cref="Select"/>, whose reason is then the whole group's): the strategy makes
    /// none, the group has several order tiers (the lowest with room is the whole group's to say), or none of the
    /// shortlist passes the filters, or, in a group with caps, none has room by its cached counts, or every one has
    /// recently not answered (<paramref name="silent"/>).
    /// </summary>
    public static bool SelectShortlisted(GroupMembers members, GroupStrategy strategy, RoutingContext context, List<EndpointCandidate> candidates,
        string selfHolder, SilentEndpoints silent, ILogger log)
    {
        if (!AsksForShortlist(members, strategy)) return false;
        Span<int> shortlist = stackalloc int[SampleSize];
        var count = strategy.Shortlist(new GroupView(members, selfHolder), context, shortlist, log);
        if (count < 0) return false;

        var filter = new Filter(members, context.Request, context.Now, candidates, selfHolder);
        var usable = false;
        foreach (var position in shortlist[..count])
        {
            if ((uint)position >= (uint)members.Endpoints.Length || Named(candidates, position)) continue;
            var found = candidates.Count;
            filter.Consider(position);
            if (candidates.Count == found || usable) continue;
            var candidate = candidates[found];
            usable = (!members.NeedsTiering || HasRoom(candidate)) && (silent.IsEmpty || !silent.IsSilent(candidate.Id, context.Now));
        }
        if (usable) return true;
        candidates.Clear();
        return false;

        static bool Named(List<EndpointCandidate> candidates, int position)
        {
            foreach (var candidate in candidates)
                if (candidate.Position == position) return true;
            return false;
        }
    }

    /// <summary>Whether a decision in <paramref name="members"/> asks the strategy for a shortlist: it makes them, and the
    /// group is large and of one order tier.</summary>
    private static bool AsksForShortlist(GroupMembers members, GroupStrategy strategy) =>
        strategy.Shortlists && members.OneTier && members.Endpoints.Length > 2 * SampleSize;

    /// <summary>Whether the cached counts show <paramref name="candidate"/> below its caps (the router prefers those).</summary>
    public static bool HasRoom(EndpointCandidate candidate)
    {
        var (definition, snapshot) = (candidate.Definition, candidate.Snapshot);
        return (definition.MaxInFlight is not { } max || snapshot.InFlight < max) &&
               (definition.Rpm is not { } rpm || snapshot.RequestsLastMinute < rpm);
    }

    /// <summary>The endpoint at <paramref name="position"/> with its state now, whether or not it passes the filters.</summary>
    public static EndpointCandidate Candidate(GroupMembers members, int position, string selfHolder)
    {
        var slot = members.Slots[position];
        return Candidate(members, position, slot, slot.Snapshot, selfHolder);
    }

    private static EndpointCandidate Candidate(GroupMembers members, int position, EndpointSlot slot, EndpointSnapshot snapshot, string selfHolder) =>
        new(members.Endpoints[position], snapshot)
            { Pending = InFlightView.Pending(slot, snapshot, members.HeldHere[position], selfHolder), Position = position };

    /// <summary>The filters over one group for one request, remembering the furthest one any endpoint got past.</summary>
    private struct Filter(GroupMembers members, RouteRequest request, DateTimeOffset now, List<EndpointCandidate> candidates, string selfHolder)
    {
        // How many filters the furthest endpoint got past: the one after them emptied the list last (0, all excluded, to
        // 4, all cooling down).
        private int _passed;
        private DateTimeOffset? _earliestCooldownEnd;

        public void Consider(int i)
        {
            var passed = Passed(i);
            if (passed > _passed) _passed = passed;
        }

        private int Passed(int i)
        {
            var endpoint = members.Endpoints[i];
            if (request.ExcludeEndpoints is { Count: > 0 } excluded && excluded.Contains(endpoint.Id)) return 0;
            if (endpoint.Drained) return 1;
            if (!HasAllTags(endpoint, request.Tags)) return 2;
            if (endpoint.ContextWindow is { } window && request.EstimatedInputTokens > window) return 3;
            var slot = members.Slots[i];
            var snapshot = slot.Snapshot;
            if (snapshot.IsCoolingDown(now))
            {
                if (_earliestCooldownEnd is null || snapshot.CooldownUntil < _earliestCooldownEnd) _earliestCooldownEnd = snapshot.CooldownUntil;
                return 4;
            }
            candidates.Add(Candidate(members, i, slot, snapshot, selfHolder));
            return 5;
        }

        public readonly NoEndpointAvailable Rejection()
        {
            var group = members.Group;
            return _passed switch
            {
                0 => Reject(request, NoEndpointReason.AllExcluded, $"Every endpoint of '{group.Name}' was already tried for this request."),
                1 => Reject(request, NoEndpointReason.AllDrained, $"Every endpoint of '{group.Name}' is drained."),
                2 => Reject(request, NoEndpointReason.NoMatchingTags,
                    $"No endpoint of '{group.Name}' has all the tags [{string.Join(", ", request.Tags ?? [])}]."),
                3 => Reject(request, NoEndpointReason.ContextWindowExceeded,
                    $"The prompt (~{request.EstimatedInputTokens} tokens) exceeds the context window of every endpoint of '{group.Name}'."),
                _ => Reject(request, NoEndpointReason.AllCoolingDown,
                    $"Every endpoint of '{group.Name}' is cooling down after failures.", _earliestCooldownEnd - now),
            };
        }
    }

    private static NoEndpointAvailable NoEndpoints(GroupMembers members, RouteRequest request) =>
        Reject(request, NoEndpointReason.NoEndpoints, $"The model '{members.Group.Name}' has no endpoints.");

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

    private static NoEndpointAvailable Reject(RouteRequest request, NoEndpointReason reason, string message, TimeSpan? retryAfter = null) =>
        new(request.ModelGroup, reason, message, retryAfter);
}
