using System.Collections.Immutable;
using Akka.Actor;
using Akka.Cluster;
using Akka.DistributedData;
using Akka.Persistence;
using Router.Actors.Directory;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Registry;

/// <summary>
/// The cluster's one writer of the endpoint directory (a cluster singleton). Every management command is
/// validated against the registry's state, persisted as an event, and then written to the replicated
/// directory (Distributed Data) that every node routes from. Being one actor, concurrent changes from
/// several nodes are serialized and none is lost; being persistent, the registry survives a full restart.
/// <para>
/// The replicated directory is the live truth while any node of the cluster runs. A new incarnation (the singleton
/// moved, e.g. in a rolling deploy) first reads it: when a previous incarnation wrote it, this one adopts it rather
/// than overwriting it with its own journal (which may be a memory journal or another host's SQLite file) and brings
/// its journal in line. Only when the directory is empty (the whole cluster started) does the journal, replayed over
/// this node's configuration, decide. Each gateway offers its configuration when it starts
/// (<see cref="OfferConfiguration"/>), so an endpoint only a newer node's configuration has is added, and nothing
/// disappears because an older node hosts the registry.
/// </para>
/// </summary>
internal sealed class EndpointRegistryActor : ReceivePersistentActor
{
    public const string PersistenceIdValue = "llm-router-endpoint-registry";

    /// <summary>The configuration layer (see <see cref="RegistryState"/>), replicated so a new incarnation knows which entries admins changed.</summary>
    internal static readonly LWWDictionaryKey<DirectoryEntryId, EndpointDefinition> ConfiguredEndpointsKey = new("llm-router-directory-configured-endpoints");
    internal static readonly LWWDictionaryKey<DirectoryEntryId, ModelGroupDefinition> ConfiguredGroupsKey = new("llm-router-directory-configured-groups");

    private readonly RouterRuntime _runtime;
    private readonly RegistryState _state;
    private readonly IActorRef _replicator = DistributedData.Get(Context.System).Replicator;
    private readonly Cluster _cluster = Cluster.Get(Context.System);
    private readonly RegistryLog _log;
    private readonly IWriteConsistency _writeAll;
    private int _replayed;
    private string _summary = "";

    private sealed record PendingReply(IActorRef ReplyTo, string Message);

    /// <summary>The directory as this incarnation found it; a map is null when it was never written.</summary>
    private sealed record DirectoryRead(
        IImmutableDictionary<string, ModelGroupDefinition>? Groups,
        IImmutableDictionary<string, EndpointDefinition>? Endpoints,
        IImmutableDictionary<string, ModelGroupDefinition>? ConfiguredGroups,
        IImmutableDictionary<string, EndpointDefinition>? ConfiguredEndpoints,
        string Consistency);

    public EndpointRegistryActor(RouterRuntime runtime)
    {
        _runtime = runtime;
        _log = new RegistryLog(Context);
        _state = new RegistryState(runtime.Options.Groups, runtime.Options.Endpoints);
        _writeAll = new WriteAll(runtime.Options.DirectoryWriteTimeout);

        Recover<IRegistryEvent>(e =>
        {
            _state.Apply(e);
            _replayed++;
        });
        Recover<RecoveryCompleted>(_ => ReadDirectory());

        // Until the directory is read and reconciled, commands and offers wait.
        Command<DirectoryRead>(Reconcile);
        Command<Status.Failure>(failure =>
        {
            _log.Warning($"Endpoint registry: reading the replicated directory failed ({failure.Cause.Message}); retrying");
            ReadDirectory();
        });
        CommandAny(_ => Stash.Stash());
    }

    public override string PersistenceId => PersistenceIdValue;

    private void ReadDirectory()
    {
        var replicator = _replicator;
        var timeout = _runtime.Options.DirectoryWriteTimeout;
        ReadAsync().PipeTo(Self);

        async Task<DirectoryRead> ReadAsync()
        {
            // A majority first (this node's replica may lag); if that is not reachable in time, what this node has.
            var majority = new ReadMajority(timeout);
            var groups = await Read(DirectoryKeys.Groups, majority);
            var endpoints = await Read(DirectoryKeys.Endpoints, majority);
            var configuredGroups = await Read(ConfiguredGroupsKey, majority);
            var configuredEndpoints = await Read(ConfiguredEndpointsKey, majority);
            var consistency = groups.Majority && endpoints.Majority && configuredGroups.Majority && configuredEndpoints.Majority ? "a majority" : "this node's replica";
            return new DirectoryRead(ById(groups.Value), ById(endpoints.Value), ById(configuredGroups.Value), ById(configuredEndpoints.Value), consistency);
        }

        static IImmutableDictionary<string, T>? ById<T>(LWWDictionary<DirectoryEntryId, T>? map) =>
            map?.Entries.ToImmutableDictionary(entry => entry.Key.Value, entry => entry.Value, StringComparer.Ordinal);

        async Task<(T? Value, bool Majority)> Read<T>(IKey<T> key, IReadConsistency consistency) where T : class, IReplicatedData<T>
        {
            var response = await replicator.Ask<IGetResponse>(Dsl.Get(key, consistency), timeout + timeout);
            switch (response)
            {
                case GetSuccess success: return (success.Get(key), true);
                case NotFound: return (null, true);
                default:
                    var local = await replicator.Ask<IGetResponse>(Dsl.Get(key, ReadLocal.Instance), timeout + timeout);
                    return (local is GetSuccess s ? s.Get(key) : null, false);
            }
        }
    }

    private void Reconcile(DirectoryRead read)
    {
        var where = $"{_runtime.Options.RegistryDescription} on {_cluster.SelfAddress}";
        if (read.Groups is null && read.Endpoints is null)
        {
            // The whole cluster (re)started: the journal, replayed over this node's configuration, is the registry.
            Publish(_state.Groups.Values, _state.Endpoints.Values, _state.ConfiguredGroups.Values, _state.ConfiguredEndpoints.Values);
            _summary = $"{where}: replayed {_replayed} journal event(s), {_state.RuntimeChanges} runtime change(s) in effect, over this node's configuration " +
                       "(the replicated directory was empty)";
            Ready();
            return;
        }

        var groups = read.Groups ?? ImmutableDictionary<string, ModelGroupDefinition>.Empty;
        var endpoints = read.Endpoints ?? ImmutableDictionary<string, EndpointDefinition>.Empty;
        var events = _state.Adopt(groups, endpoints, read.ConfiguredGroups, read.ConfiguredEndpoints);
        // Write what the directory lacks: entries only the journal knew, and the configuration layer if it had none.
        Publish(
            _state.Groups.Values.Where(g => !groups.TryGetValue(g.Name, out var live) || Definitions.Differences(live, g).Count > 0),
            _state.Endpoints.Values.Where(e => !endpoints.TryGetValue(e.Id, out var live) || Definitions.Differences(live, e).Count > 0),
            read.ConfiguredGroups is null ? _state.ConfiguredGroups.Values : [],
            read.ConfiguredEndpoints is null ? _state.ConfiguredEndpoints.Values : []);
        _summary = $"{where}: replayed {_replayed} journal event(s); adopted the replicated directory written by the previous incarnation " +
                   $"(read from {read.Consistency}: {groups.Count} group(s), {endpoints.Count} endpoint(s), {_state.RuntimeChanges} runtime change(s) in effect); " +
                   $"{events.Count} correction(s) persisted to this journal";
        if (events.Count > 0) PersistAll(events, _ => { });
        Ready();
    }

    private void Ready()
    {
        _log.Info($"Endpoint registry ready: {_summary}");
        Become(() =>
        {
            Command<IManagementCommand>(Handle);
            Command<OfferConfiguration>(OnOffer);
            Command<UpdateSuccess>(s =>
            {
                if (s.Request is PendingReply pending) pending.ReplyTo.Tell(ManagementResult.Ok(pending.Message));
            });
            Command<IUpdateFailure>(OnUpdateFailure);
        });
        Stash.UnstashAll();
    }

    private void Handle(IManagementCommand command)
    {
        // A command that waited past its deadline (a proxy's buffer while the registry was unreachable, this node frozen)
        // was already reported as failed to its admin: it must not land now.
        var now = _runtime.Clock.GetUtcNow();
        if (command.NotAfter is { } notAfter && now > notAfter)
        {
            _log.Warning($"Endpoint registry: refused {command.GetType().Name}: it arrived {(now - notAfter).TotalSeconds:0.0} s after its deadline; nothing was changed");
            Sender.Tell(new ManagementResult(false,
                $"the registry received the command at {now:HH:mm:ss.fff} UTC, {(now - notAfter).TotalSeconds:0.0} s after its deadline " +
                $"({notAfter:HH:mm:ss.fff} UTC; the registry was unreachable or busy): nothing was changed; retry it", ManagementResult.Expired));
            return;
        }
        var (change, message) = _state.Decide(command, _runtime.Strategies);
        if (change is null)
        {
            Sender.Tell(ManagementResult.Rejected(message));
            return;
        }
        if (_state.Unchanged(change))
        {
            // A retried (or repeated) write: the directory already says so; answer as the first time did, persist nothing.
            Sender.Tell(ManagementResult.Ok($"{message} (already so: nothing changed)"));
            return;
        }
        var replyTo = Sender;
        Persist(change, persisted =>
        {
            _state.Apply(persisted);
            Write(persisted, new PendingReply(replyTo, message));
        });
    }

    /// <summary>A gateway's configuration: added and updated entries are written (never journaled); runtime changes stay.</summary>
    private void OnOffer(OfferConfiguration offer)
    {
        var outcome = _state.Offer(offer);
        Publish(outcome.Groups, outcome.Endpoints, outcome.ConfiguredGroups, outcome.ConfiguredEndpoints);
        foreach (var line in outcome.Applied) _log.Info($"Endpoint registry: {line}");
        foreach (var line in outcome.Warnings) _log.Warning($"Endpoint registry: {line}");
        Sender.Tell(new ConfigurationOffered(_summary, outcome.Applied, outcome.Warnings));
    }

    /// <summary>Sets the given entries in the directory; never removes one (removals are explicit commands).</summary>
    private void Publish(
        IEnumerable<ModelGroupDefinition> groups, IEnumerable<EndpointDefinition> endpoints,
        IEnumerable<ModelGroupDefinition> configuredGroups, IEnumerable<EndpointDefinition> configuredEndpoints)
    {
        // Configuration layer first: a reader of the directory never sees an entry as admin-changed for lack of it.
        SetAll(ConfiguredGroupsKey, configuredGroups.ToList(), g => g.Name);
        SetAll(ConfiguredEndpointsKey, configuredEndpoints.ToList(), e => e.Id);
        SetAll(DirectoryKeys.Groups, groups.ToList(), g => g.Name, always: true);
        SetAll(DirectoryKeys.Endpoints, endpoints.ToList(), e => e.Id, always: true);
    }

    private void SetAll<T>(LWWDictionaryKey<DirectoryEntryId, T> key, IReadOnlyList<T> values, Func<T, string> id, bool always = false)
    {
        // The directory maps are always written once, so every node's directory actor hears that the registry is up.
        if (values.Count == 0 && !always) return;
        _replicator.Tell(Dsl.Update(key, LWWDictionary<DirectoryEntryId, T>.Empty, _writeAll,
            d => values.Aggregate(d, (acc, value) => acc.SetItem(_cluster, new DirectoryEntryId(id(value)), value))));
    }

    private void Write(IRegistryEvent change, PendingReply pending)
    {
        switch (change)
        {
            case EndpointSaved saved:
                _replicator.Tell(Dsl.Update(DirectoryKeys.Endpoints, LWWDictionary<DirectoryEntryId, EndpointDefinition>.Empty,
                    _writeAll, pending, d => d.SetItem(_cluster, new DirectoryEntryId(saved.Endpoint.Id), saved.Endpoint)));
                break;
            case EndpointDeleted deleted:
                _replicator.Tell(Dsl.Update(DirectoryKeys.Endpoints, LWWDictionary<DirectoryEntryId, EndpointDefinition>.Empty,
                    _writeAll, pending, d => d.Remove(_cluster, new DirectoryEntryId(deleted.EndpointId))));
                break;
            case GroupSaved group:
                _replicator.Tell(Dsl.Update(DirectoryKeys.Groups, LWWDictionary<DirectoryEntryId, ModelGroupDefinition>.Empty,
                    _writeAll, pending, d => d.SetItem(_cluster, new DirectoryEntryId(group.Group.Name), group.Group)));
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
