using Akka.Actor;
using Akka.DistributedData;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Directory;

/// <summary>
/// One per node. Follows the replicated endpoint directory (two Distributed Data LWW maps, groups and
/// endpoints, written only by the registry singleton) and publishes every change to the node's
/// <see cref="DirectoryView"/>. Management commands sent here are forwarded to the registry; group state
/// queries are answered by asking each endpoint's actor, or from the node's snapshot cache (marked) for one that does not answer in time.
/// </summary>
internal sealed class EndpointDirectoryActor : ReceiveActor
{
    // Keyed by DirectoryEntryId (see there why not string). The names carry the key type: a node keyed by strings
    // (an older version) must never merge its map into these.
    internal static readonly LWWDictionaryKey<DirectoryEntryId, EndpointDefinition> EndpointsKey = new("llm-router-directory-endpoints");
    internal static readonly LWWDictionaryKey<DirectoryEntryId, ModelGroupDefinition> GroupsKey = new("llm-router-directory-groups");

    private readonly RouterRuntime _runtime;
    private readonly IActorRef _endpointRegion;
    private readonly IActorRef _registry;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private LWWDictionary<DirectoryEntryId, EndpointDefinition>? _endpoints;
    private LWWDictionary<DirectoryEntryId, ModelGroupDefinition>? _groups;

    public EndpointDirectoryActor(RouterRuntime runtime, IActorRef endpointRegion, IActorRef registry)
    {
        _runtime = runtime;
        _endpointRegion = endpointRegion;
        _registry = registry;

        Receive<Changed>(OnChanged);
        Receive<IManagementCommand>(command => _registry.Forward(command));
        Receive<GetGroupState>(HandleGroupState);
    }

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(EndpointsKey, Self));
        _replicator.Tell(Dsl.Subscribe(GroupsKey, Self));
    }

    private void OnChanged(Changed changed)
    {
        if (changed.Key.Equals(EndpointsKey)) _endpoints = changed.Get(EndpointsKey);
        else if (changed.Key.Equals(GroupsKey)) _groups = changed.Get(GroupsKey);
        // Until the registry has written both maps, the node keeps routing on its configuration.
        if (_endpoints is null || _groups is null) return;
        _runtime.Directory.Publish(new DirectorySnapshot(_groups.Values, _endpoints.Values));
    }

    /// <summary>
    /// Each endpoint's live state, or (when its actor does not answer within the deadline) this node's last snapshot of
    /// it, marked: the answer always comes, within the deadline, and one silent endpoint never fails the listing.
    /// </summary>
    private void HandleGroupState(GetGroupState query)
    {
        var view = _runtime.Directory.Current;
        if (!view.Groups.ContainsKey(query.ModelGroup))
        {
            Sender.Tell(new GroupState([]));
            return;
        }
        var deadline = query.Deadline ?? _runtime.Options.AdminReadTimeout;
        var system = Context.System;
        var region = _endpointRegion;
        var reads = view.EndpointsOf(query.ModelGroup).Select(e => EndpointStateReader.ReadAsync(system, region, e, deadline));
        Task.WhenAll(reads).PipeTo(Sender,
            success: states => new GroupState(states),
            failure: ex => new Status.Failure(ex));
    }
}
