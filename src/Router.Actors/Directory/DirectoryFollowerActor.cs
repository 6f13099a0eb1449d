using Akka.Actor;
using Akka.DistributedData;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Directory;

/// <summary>
/// One per node. Follows the replicated endpoint directory (<see cref="DirectoryKeys"/>: groups and endpoints, written
/// only by the registry singleton) and publishes every change to the node's <see cref="DirectoryView"/>. Strategy
/// instances of groups that left the directory (or changed strategy) are dropped with it.
/// </summary>
internal sealed class DirectoryFollowerActor : ReceiveActor
{
    private readonly RouterRuntime _runtime;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private LWWDictionary<DirectoryEntryId, EndpointDefinition>? _endpoints;
    private LWWDictionary<DirectoryEntryId, ModelGroupDefinition>? _groups;

    public DirectoryFollowerActor(RouterRuntime runtime)
    {
        _runtime = runtime;
        Receive<Changed>(OnChanged);
    }

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(DirectoryKeys.Endpoints, Self));
        _replicator.Tell(Dsl.Subscribe(DirectoryKeys.Groups, Self));
    }

    private void OnChanged(Changed changed)
    {
        if (changed.Key.Equals(DirectoryKeys.Endpoints)) _endpoints = changed.Get(DirectoryKeys.Endpoints);
        else if (changed.Key.Equals(DirectoryKeys.Groups)) _groups = changed.Get(DirectoryKeys.Groups);
        // Until the registry has written both maps, the node keeps routing on its configuration.
        if (_endpoints is null || _groups is null) return;
        var directory = new DirectorySnapshot(_groups.Values, _endpoints.Values);
        _runtime.Directory.Publish(directory);
        _runtime.GroupStrategies.Retain(directory);
    }
}
