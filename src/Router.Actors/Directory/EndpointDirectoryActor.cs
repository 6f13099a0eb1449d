using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Event;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;

namespace Router.Actors.Directory;

/// <summary>
/// One per node. Keeps the replicated endpoint directory (two Distributed Data LWW maps: groups and endpoints),
/// seeds it from configuration, applies management commands, and publishes every change to the node's
/// <see cref="DirectoryView"/>.
/// </summary>
/// <remarks>
/// Configuration entries are written with timestamp 1, so any runtime change (stamped with wall-clock time)
/// wins over them when replicas merge, and a restarting node cannot overwrite what admins changed.
/// </remarks>
internal sealed class EndpointDirectoryActor : ReceiveActor
{
    internal static readonly LWWDictionaryKey<string, EndpointDefinition> EndpointsKey = new("llm-router-endpoints");
    internal static readonly LWWDictionaryKey<string, ModelGroupDefinition> GroupsKey = new("llm-router-groups");
    private static readonly Clock<object> SeedClock = (_, _) => 1;

    private readonly RouterRuntime _runtime;
    private readonly IActorRef _endpointRegion;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly IWriteConsistency _writeConsistency;
    private LWWDictionary<string, EndpointDefinition> _endpoints = LWWDictionary<string, EndpointDefinition>.Empty;
    private LWWDictionary<string, ModelGroupDefinition> _groups = LWWDictionary<string, ModelGroupDefinition>.Empty;

    /// <summary>Carried through the replicator so its answer can be turned into a reply.</summary>
    private sealed record PendingChange(IActorRef ReplyTo, string SuccessMessage);

    public EndpointDirectoryActor(RouterRuntime runtime, IActorRef endpointRegion)
    {
        _runtime = runtime;
        _endpointRegion = endpointRegion;
        _writeConsistency = new WriteMajority(runtime.Options.DirectoryWriteTimeout);

        Receive<Changed>(OnChanged);
        Receive<UpsertModelGroup>(Handle);
        Receive<RegisterEndpoint>(Handle);
        Receive<UpdateEndpoint>(Handle);
        Receive<RemoveEndpoint>(c => ChangeExisting(c.EndpointId, d => d.Remove(_cluster, c.EndpointId), $"endpoint '{c.EndpointId}' removed"));
        Receive<DrainEndpoint>(c => ChangeDefinition(c.EndpointId, e => e with { Drained = true }, $"endpoint '{c.EndpointId}' draining"));
        Receive<UndrainEndpoint>(c => ChangeDefinition(c.EndpointId, e => e with { Drained = false }, $"endpoint '{c.EndpointId}' back in service"));
        Receive<UpdateSuccess>(s => Reread((PendingChange)s.Request!));
        Receive<IUpdateFailure>(OnUpdateFailure);
        Receive<GetSuccess>(OnReread);
        Receive<NotFound>(n =>
        {
            if (n.Request is PendingChange pending) Reply(pending, ManagementResult.Ok(pending.SuccessMessage));
        });
        Receive<ListModelGroups>(_ => Sender.Tell(new ModelGroupList(_runtime.Directory.Current.Groups.Values.OrderBy(g => g.Name).ToList())));
        Receive<GetGroupState>(HandleGroupState);
    }

    protected override void PreStart()
    {
        _replicator.Tell(Dsl.Subscribe(EndpointsKey, Self));
        _replicator.Tell(Dsl.Subscribe(GroupsKey, Self));
        Seed();
    }

    private void Seed()
    {
        var options = _runtime.Options;
        _replicator.Tell(Dsl.Update(GroupsKey, LWWDictionary<string, ModelGroupDefinition>.Empty, WriteLocal.Instance, d =>
            options.Groups.Aggregate(d, (acc, g) => acc.ContainsKey(g.Name) ? acc : acc.SetItem(_cluster, g.Name, g, SeedClock))));
        _replicator.Tell(Dsl.Update(EndpointsKey, LWWDictionary<string, EndpointDefinition>.Empty, WriteLocal.Instance, d =>
            options.Endpoints.Aggregate(d, (acc, e) => acc.ContainsKey(e.Id) ? acc : acc.SetItem(_cluster, e.Id, e, SeedClock))));
    }

    private void OnChanged(Changed changed)
    {
        if (changed.Key.Equals(EndpointsKey)) _endpoints = changed.Get(EndpointsKey);
        else if (changed.Key.Equals(GroupsKey)) _groups = changed.Get(GroupsKey);
        PublishView();
    }

    private void PublishView() =>
        _runtime.Directory.Publish(new DirectorySnapshot(_groups.Values, _endpoints.Values));

    private void Handle(UpsertModelGroup command)
    {
        var problems = DefinitionValidator.Validate(command.Group, _runtime.Strategies);
        if (problems.Count > 0) { Reject(problems); return; }
        var group = command.Group;
        Write(GroupsKey, LWWDictionary<string, ModelGroupDefinition>.Empty, d => d.SetItem(_cluster, group.Name, group),
            $"model group '{group.Name}' saved (strategy {group.Strategy})");
    }

    private void Handle(RegisterEndpoint command)
    {
        var endpoint = command.Endpoint;
        var problems = DefinitionValidator.Validate(endpoint).ToList();
        var view = _runtime.Directory.Current;
        if (view.Endpoints.ContainsKey(endpoint.Id)) problems.Add($"endpoint '{endpoint.Id}' already exists");
        if (!string.IsNullOrWhiteSpace(endpoint.ModelGroup) && !view.Groups.ContainsKey(endpoint.ModelGroup))
            problems.Add($"model group '{endpoint.ModelGroup}' does not exist");
        if (problems.Count > 0) { Reject(problems); return; }
        Write(EndpointsKey, LWWDictionary<string, EndpointDefinition>.Empty, d => d.SetItem(_cluster, endpoint.Id, endpoint),
            $"endpoint '{endpoint.Id}' registered in '{endpoint.ModelGroup}'");
    }

    private void Handle(UpdateEndpoint command)
    {
        var problems = DefinitionValidator.Validate(command);
        if (problems.Count > 0) { Reject(problems); return; }
        ChangeDefinition(command.EndpointId, e => e with
        {
            Weight = command.Weight ?? e.Weight,
            MaxInFlight = command.MaxInFlight ?? e.MaxInFlight,
            Rpm = command.Rpm ?? e.Rpm,
            Tpm = command.Tpm ?? e.Tpm,
            Order = command.Order ?? e.Order,
            Tags = command.Tags ?? e.Tags,
        }, $"endpoint '{command.EndpointId}' updated");
    }

    private void ChangeDefinition(string endpointId, Func<EndpointDefinition, EndpointDefinition> change, string successMessage) =>
        ChangeExisting(endpointId,
            d => d.TryGetValue(endpointId, out var current) ? d.SetItem(_cluster, endpointId, change(current)) : d,
            successMessage);

    private void ChangeExisting(
        string endpointId,
        Func<LWWDictionary<string, EndpointDefinition>, LWWDictionary<string, EndpointDefinition>> modify,
        string successMessage)
    {
        if (!_runtime.Directory.Current.Endpoints.ContainsKey(endpointId))
        {
            Reject([$"endpoint '{endpointId}' does not exist"]);
            return;
        }
        Write(EndpointsKey, LWWDictionary<string, EndpointDefinition>.Empty, modify, successMessage);
    }

    private void Write<T>(IKey<T> key, T initial, Func<T, T> modify, string successMessage) where T : class, IReplicatedData<T> =>
        _replicator.Tell(Dsl.Update(key, initial, _writeConsistency, new PendingChange(Sender, successMessage), modify));

    /// <summary>After a write, read the local replica so this node's view has the change before we answer.</summary>
    private void Reread(PendingChange pending)
    {
        // The replicator answers in order: the answer carrying the pending reply comes last.
        _replicator.Tell(Dsl.Get(GroupsKey, ReadLocal.Instance));
        _replicator.Tell(Dsl.Get(EndpointsKey, ReadLocal.Instance, pending));
    }

    private void OnReread(GetSuccess success)
    {
        if (success.Key.Equals(EndpointsKey)) _endpoints = success.Get(EndpointsKey);
        else if (success.Key.Equals(GroupsKey)) _groups = success.Get(GroupsKey);
        PublishView();
        if (success.Request is PendingChange pending) Reply(pending, ManagementResult.Ok(pending.SuccessMessage));
    }

    private void OnUpdateFailure(IUpdateFailure failure)
    {
        var pending = (PendingChange?)failure.Request;
        if (failure is UpdateTimeout && pending is not null)
        {
            // Written locally; gossip carries it to the nodes that did not answer in time.
            _log.Warning("Directory change reached fewer than a majority of nodes in time; it will spread by gossip");
            Reread(pending with { SuccessMessage = pending.SuccessMessage + " (not yet confirmed by a majority of nodes)" });
            return;
        }
        Reply(pending, ManagementResult.Rejected($"directory write failed: {failure.GetType().Name}"));
    }

    private void HandleGroupState(GetGroupState query)
    {
        var view = _runtime.Directory.Current;
        if (!view.Groups.TryGetValue(query.ModelGroup, out var group))
        {
            Sender.Tell(new GroupState(null, []));
            return;
        }
        var timeout = _runtime.Options.DirectoryWriteTimeout;
        var asks = view.EndpointsOf(query.ModelGroup)
            .Select(e => _endpointRegion.Ask<EndpointState>(new GetEndpointState(e.Id), timeout));
        Task.WhenAll(asks).PipeTo(Sender,
            success: states => new GroupState(group, states),
            failure: ex => new Status.Failure(ex));
    }

    private void Reject(IEnumerable<string> problems) =>
        Sender.Tell(ManagementResult.Rejected(string.Join("; ", problems)));

    private static void Reply(PendingChange? pending, ManagementResult result) => pending?.ReplyTo.Tell(result);
}
