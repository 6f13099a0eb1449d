using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Akka.Persistence;
using Router.Actors.Directory;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// The cluster's one writer of the endpoint directory (a cluster singleton). Every management command is
/// validated against the registry's state, persisted as an event, and then written to the replicated
/// directory (Distributed Data) that every node routes from. Being one actor, concurrent changes from
/// several nodes are serialized and none is lost; being persistent, the registry survives a full restart.
/// </summary>
internal sealed class EndpointRegistryActor : ReceivePersistentActor
{
    public const string PersistenceIdValue = "llm-router-endpoint-registry";

    private readonly RouterRuntime _runtime;
    private readonly RegistryState _state;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IWriteConsistency _writeAll;

    private sealed record PendingReply(IActorRef ReplyTo, string Message);

    public EndpointRegistryActor(RouterRuntime runtime)
    {
        _runtime = runtime;
        _state = new RegistryState(runtime.Options.Groups, runtime.Options.Endpoints);
        _writeAll = new WriteAll(runtime.Options.DirectoryWriteTimeout);

        Recover<IRegistryEvent>(_state.Apply);
        Recover<RecoveryCompleted>(_ => PublishAll());

        Command<IManagementCommand>(Handle);
        Command<UpdateSuccess>(s =>
        {
            if (s.Request is PendingReply pending) pending.ReplyTo.Tell(ManagementResult.Ok(pending.Message));
        });
        Command<IUpdateFailure>(OnUpdateFailure);
    }

    public override string PersistenceId => PersistenceIdValue;

    private void Handle(IManagementCommand command)
    {
        var (change, message) = _state.Decide(command, _runtime.Strategies);
        if (change is null)
        {
            Sender.Tell(ManagementResult.Rejected(message));
            return;
        }
        var replyTo = Sender;
        Persist(change, persisted =>
        {
            _state.Apply(persisted);
            Write(persisted, new PendingReply(replyTo, message));
        });
    }

    /// <summary>Writes the whole registry to the directory: after recovery, the replicas hold exactly this state.</summary>
    private void PublishAll()
    {
        var groups = _state.Groups;
        var endpoints = _state.Endpoints;
        _replicator.Tell(Dsl.Update(EndpointDirectoryActor.GroupsKey, LWWDictionary<string, Messages.Endpoints.ModelGroupDefinition>.Empty, _writeAll,
            d => groups.Values.Aggregate(
                d.Entries.Keys.Where(k => !groups.ContainsKey(k)).Aggregate(d, (acc, k) => acc.Remove(_cluster, k)),
                (acc, g) => acc.SetItem(_cluster, g.Name, g))));
        _replicator.Tell(Dsl.Update(EndpointDirectoryActor.EndpointsKey, LWWDictionary<string, Messages.Endpoints.EndpointDefinition>.Empty, _writeAll,
            d => endpoints.Values.Aggregate(
                d.Entries.Keys.Where(k => !endpoints.ContainsKey(k)).Aggregate(d, (acc, k) => acc.Remove(_cluster, k)),
                (acc, e) => acc.SetItem(_cluster, e.Id, e))));
        _log.Info("Endpoint registry ready: {0} groups, {1} endpoints", groups.Count, endpoints.Count);
    }

    private void Write(IRegistryEvent change, PendingReply pending)
    {
        switch (change)
        {
            case EndpointSaved saved:
                _replicator.Tell(Dsl.Update(EndpointDirectoryActor.EndpointsKey, LWWDictionary<string, Messages.Endpoints.EndpointDefinition>.Empty,
                    _writeAll, pending, d => d.SetItem(_cluster, saved.Endpoint.Id, saved.Endpoint)));
                break;
            case EndpointDeleted deleted:
                _replicator.Tell(Dsl.Update(EndpointDirectoryActor.EndpointsKey, LWWDictionary<string, Messages.Endpoints.EndpointDefinition>.Empty,
                    _writeAll, pending, d => d.Remove(_cluster, deleted.EndpointId)));
                break;
            case GroupSaved group:
                _replicator.Tell(Dsl.Update(EndpointDirectoryActor.GroupsKey, LWWDictionary<string, Messages.Endpoints.ModelGroupDefinition>.Empty,
                    _writeAll, pending, d => d.SetItem(_cluster, group.Group.Name, group.Group)));
                break;
        }
    }

    private void OnUpdateFailure(IUpdateFailure failure)
    {
        if (failure.Request is not PendingReply pending) return;
        // Persisted and written locally: gossip brings it to nodes that did not confirm in time.
        pending.ReplyTo.Tell(failure is UpdateTimeout
            ? ManagementResult.Ok(pending.Message + " (saved; some nodes have not confirmed yet)")
            : ManagementResult.Rejected($"saved, but the directory write failed: {failure.GetType().Name}"));
    }
}
