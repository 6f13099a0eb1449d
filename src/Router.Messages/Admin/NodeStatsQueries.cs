namespace Router.Messages.Admin;

/// <summary>Asks one gateway node's stats actor for that node's own request counters (the admin API sums every node's).</summary>
public sealed record GetNodeStats : IRouterMessage
{
    public static readonly GetNodeStats Instance = new();
}

/// <summary>One node's request counters per model group, since that node started (the asker knows whom it asked).</summary>
public sealed record NodeStatsReply(IReadOnlyList<GroupCounterSample> Groups) : IRouterMessage;

/// <summary>A model group's request counters on one node.</summary>
public sealed record GroupCounterSample(string Group, long Requests, long Errors, long Retries, long Fallbacks);
