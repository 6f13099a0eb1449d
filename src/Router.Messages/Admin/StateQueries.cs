using Router.Messages.Endpoints;

namespace Router.Messages.Admin;

/// <summary>Asks the endpoint's own actor for its exact state.</summary>
public sealed record GetEndpointState(string EndpointId) : IWithEndpointId;

/// <summary>
/// <paramref name="Definition"/> is null when the endpoint is not registered. The endpoint's actor answers with
/// <paramref name="Node"/> (where it runs) and no <paramref name="Freshness"/> (it is live). A node that answers for it
/// from its cache of pushed snapshots (the actor did not answer in time) sets <paramref name="Freshness"/> to
/// <see cref="SnapshotFreshness.Stale"/> or <see cref="SnapshotFreshness.Unreachable"/>, <paramref name="Node"/> to
/// the node it was last heard from, and <paramref name="Note"/> to why.
/// </summary>
public sealed record EndpointState(
    EndpointDefinition? Definition,
    EndpointSnapshot Snapshot,
    string? Freshness = null,
    string? Node = null,
    string? Note = null) : IRouterMessage;

/// <summary>How current an endpoint's state in an admin answer is.</summary>
public static class SnapshotFreshness
{
    /// <summary>The endpoint's own actor answered within the deadline: its exact state now.</summary>
    public const string Live = "live";

    /// <summary>The actor did not answer in time although its node is reachable (busy, frozen, its shard moving): the last pushed snapshot.</summary>
    public const string Stale = "stale";

    /// <summary>The actor's node is unreachable from the answering node (or no longer a member): the last pushed snapshot.</summary>
    public const string Unreachable = "unreachable";
}

/// <summary>
/// Asks for a group's definition and the state of each of its endpoints. Each endpoint's actor has
/// <paramref name="Deadline"/> (null: the node's admin read deadline) to answer; one that does not is answered from
/// the node's snapshot cache, marked, so the answer is never held up or failed by one slow or unreachable endpoint.
/// </summary>
public sealed record GetGroupState(string ModelGroup, TimeSpan? Deadline = null) : IRouterMessage;

/// <summary>The group's endpoints, each with its state; none when no such group exists.</summary>
public sealed record GroupState(IReadOnlyList<EndpointState> Endpoints) : IRouterMessage;
