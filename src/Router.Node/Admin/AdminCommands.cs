using System.Threading.Channels;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Sharding;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.AdminApi;
using Router.Messages.Endpoints;
using Router.Node.Gateway;

namespace Router.Node.Admin;

/// <summary>
/// Every admin command, independent of transport: the HTTP admin API calls these, and a Petabridge.Cmd
/// palette could call the same methods. Failures throw <see cref="AdminException"/> with a message that
/// says what to fix; a refused change leaves the registry as it was.
/// </summary>
public sealed class AdminCommands(
    ActorSystem system,
    RouterRuntime runtime,
    Akka.Hosting.ActorRegistry actors,
    GatewayStats stats,
    IHostApplicationLifetime lifetime,
    Router.Node.Simulation.EmbeddedSimulators simulators,
    ClusterIncidentLog incidents)
{
    private static readonly TimeSpan AskTimeout = TimeSpan.FromSeconds(10);
    private readonly Cluster _cluster = Cluster.Get(system);
    private IActorRef Region => actors.Get<EndpointRegion>();
    private IActorRef Directory => actors.Get<EndpointDirectory>();

    // ---- cluster palette ----

    public ClusterView ClusterState()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        // Oldest first: the oldest gateway hosts the singletons (registry, shard coordinator).
        var members = state.Members
            .OrderBy(m => m, Member.AgeOrdering)
            .Select((m, age) => new MemberView(m.Address.ToString(), m.Status.ToString(), m.Roles.Order().ToList(), !unreachable.Contains(m.Address), age + 1))
            .ToList();
        var (details, resolver) = ClusterIncident.Describe(_cluster, incidents, DateTimeOffset.UtcNow);
        return new ClusterView(_cluster.SelfAddress.ToString(), state.Leader?.ToString(), members, unreachable.Select(a => a.ToString()).ToList(),
            details, resolver);
    }

    /// <summary>Without an address this node leaves: it stops taking requests, finishes those in flight, hands off its shards and exits.</summary>
    public AdminMessage Leave(string? address)
    {
        if (string.IsNullOrWhiteSpace(address) || ParseMember(address) == _cluster.SelfAddress)
        {
            lifetime.StopApplication();
            return new AdminMessage($"{_cluster.SelfAddress} is leaving: it finishes requests in flight, hands off its shards, then stops");
        }
        var member = ParseMember(address);
        _cluster.Leave(member);
        return new AdminMessage($"{member} asked to leave the cluster");
    }

    public AdminMessage Down(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) throw AdminException.BadRequest("give the address of the member to down, e.g. akka.tcp://llm-router@10.0.0.7:4053");
        var member = ParseMember(address);
        _cluster.Down(member);
        return new AdminMessage($"{member} marked down");
    }

    public AdminMessage DownUnreachable()
    {
        var unreachable = _cluster.State.Unreachable.Select(m => m.Address).ToList();
        foreach (var address in unreachable) _cluster.Down(address);
        return new AdminMessage(unreachable.Count == 0 ? "no unreachable members" : $"downed {string.Join(", ", unreachable)}");
    }

    public AdminMessage Join(string? address)
    {
        if (string.IsNullOrWhiteSpace(address)) throw AdminException.BadRequest("give the address of a member to join, e.g. akka.tcp://llm-router@10.0.0.7:4053");
        var target = ParseAddress(address);
        _cluster.Join(target);
        return new AdminMessage($"joining {target}");
    }

    /// <summary>Membership events, starting with the current members, until <paramref name="cancellationToken"/> fires.</summary>
    public async IAsyncEnumerable<MemberEventView> MemberEvents([System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var channel = Channel.CreateUnbounded<MemberEventView>();
        var listener = system.ActorOf(Props.Create(() => new MemberEventListener(channel.Writer)));
        try
        {
            await foreach (var e in channel.Reader.ReadAllAsync(cancellationToken)) yield return e;
        }
        finally
        {
            system.Stop(listener);
        }
    }

    // ---- sharding palette ----

    /// <summary>
    /// Each gateway's endpoint region: its shards and which endpoints' actors live there. A region that does not answer
    /// within the read deadline, or whose node is unreachable (not asked: the answer could not come), is listed as not
    /// answered; the others are still shown.
    /// </summary>
    public async Task<ShardingView> Sharding()
    {
        var state = _cluster.State;
        var unreachable = state.Unreachable.Select(m => m.Address).ToHashSet();
        var gateways = state.Members
            .Where(m => m.Status == MemberStatus.Up && m.HasRole(RouterClusterSettings.GatewayRole))
            .Select(m => m.Address)
            .OrderBy(a => a.ToString(), StringComparer.Ordinal)
            .ToList();
        var deadline = ReadTimeout;
        var regions = (await Task.WhenAll(gateways.Select(async address =>
        {
            if (unreachable.Contains(address)) return new RegionView(address.ToString(), 0, 0, null, false, "unreachable from this node: not asked");
            try
            {
                var region = await system.ActorSelection(new RootActorPath(address) / "system" / "sharding" / RouterHostingExtensions.EndpointTypeName)
                    .Ask<CurrentShardRegionState>(GetShardRegionState.Instance, deadline);
                return new RegionView(address.ToString(), region.Shards.Count, region.Shards.Sum(s => s.EntityIds.Count),
                    region.Shards.SelectMany(s => s.EntityIds).Order(StringComparer.Ordinal).ToList());
            }
            catch (AskTimeoutException)
            {
                return new RegionView(address.ToString(), 0, 0, null, false, $"did not answer within {deadline.TotalSeconds:0.#} s");
            }
        }))).ToList();
        var notAnswered = regions.Where(r => !r.Answered).Select(r => r.Address).ToList();
        return new ShardingView(RouterHostingExtensions.EndpointTypeName, regions.Sum(r => r.Shards), regions.Sum(r => r.Entities), regions, notAnswered);
    }

    /// <summary>How long a read waits for each endpoint, region or node before it answers with what this node knows.</summary>
    private TimeSpan ReadTimeout => runtime.Options.AdminReadTimeout;

    // ---- router palette ----

    public IReadOnlyList<GroupView> Groups()
    {
        var view = runtime.Directory.Current;
        return view.Groups.Values.OrderBy(g => g.Name, StringComparer.Ordinal)
            .Select(g => new GroupView(g.Name, g.Strategy, g.Fallbacks ?? [], view.EndpointsOf(g.Name).Length))
            .ToList();
    }

    /// <summary>
    /// Every endpoint (of one group) with its live state, or, for one whose actor does not answer within
    /// <paramref name="deadline"/>, this node's last snapshot of it marked stale or unreachable: the listing always comes.
    /// </summary>
    public async Task<IReadOnlyList<EndpointView>> Endpoints(string? group, TimeSpan? deadline = null)
    {
        var view = runtime.Directory.Current;
        if (!string.IsNullOrEmpty(group) && !view.Groups.ContainsKey(group))
            throw AdminException.NotFound($"model group '{group}' does not exist (known: {string.Join(", ", view.Groups.Keys.Order())})");
        var groups = string.IsNullOrEmpty(group) ? view.Groups.Keys.ToList() : [group];
        var wait = deadline ?? ReadTimeout;
        // The directory answers by the deadline whatever the endpoints do; the margin only covers a busy local dispatcher.
        var states = await Task.WhenAll(groups.Select(g => Directory.Ask<GroupState>(new GetGroupState(g, wait), wait + AskTimeout)));
        var now = DateTimeOffset.UtcNow;
        return states.SelectMany(g => g.Endpoints)
            .OrderBy(e => e.Definition!.Id, StringComparer.Ordinal)
            .Select(e => ToView(e, now))
            .ToList();
    }

    public async Task<EndpointView> Endpoint(string id)
    {
        var definition = runtime.Directory.Current.Endpoints.GetValueOrDefault(id)
                         ?? throw AdminException.NotFound($"endpoint '{id}' does not exist");
        var state = await Router.Actors.Directory.EndpointStateReader.ReadAsync(runtime, system, Region, definition, ReadTimeout);
        return ToView(state, DateTimeOffset.UtcNow);
    }

    public Task<AdminMessage> AddEndpoint(EndpointDefinitionDto? body)
    {
        if (body is null) throw AdminException.BadRequest("send the endpoint as JSON: {\"modelGroup\":...,\"id\":...,\"url\":...}");
        var endpoint = body.ToWire();
        // As at start-up: an endpoint whose key this node cannot read would be called without it. Only this node's
        // environment can be checked here; the variable must be set on every gateway.
        var missing = Router.Actors.Directory.DefinitionValidator.MissingVariables(endpoint, Environment.GetEnvironmentVariable);
        if (missing.Count > 0) throw AdminException.BadRequest(string.Join("; ", missing));
        if (!simulators.CanResolve(endpoint.Url))
            throw AdminException.BadRequest($"endpoint '{endpoint.Id}': url '{endpoint.Url}' names no simulator this node runs (known: {string.Join(", ", simulators.Running.Keys.Order())})");
        return Change(new RegisterEndpoint(endpoint));
    }

    public Task<AdminMessage> UpdateEndpoint(string id, UpdateEndpointRequest? patch) =>
        patch is null
            ? throw AdminException.BadRequest("send the settings to change as JSON, e.g. {\"weight\":3}")
            : Change(new UpdateEndpoint(id, patch.Weight, patch.MaxInFlight, patch.Rpm, patch.Tpm, patch.Order, patch.Tags));

    public Task<AdminMessage> RemoveEndpoint(string id) => Change(new RemoveEndpoint(id));
    public Task<AdminMessage> Drain(string id) => Change(new DrainEndpoint(id));
    public Task<AdminMessage> Undrain(string id) => Change(new UndrainEndpoint(id));

    public Task<AdminMessage> SetStrategy(string group, StrategyRequest? request) =>
        string.IsNullOrWhiteSpace(request?.Strategy)
            ? throw AdminException.BadRequest($"send the strategy as JSON, e.g. {{\"strategy\":\"least-busy\"}} (known: {string.Join(", ", runtime.Strategies.Names.Order())})")
            : Change(new SetGroupStrategy(group, request.Strategy));

    /// <summary>Every gateway node's request counters per group, summed; the nodes that did not answer in time are named.</summary>
    public Task<ClusterStatsView> Stats(TimeSpan? deadline = null) => ClusterStats.CollectAsync(system, stats, deadline ?? StatsDeadline);

    /// <summary>How long a node's stats may take: long enough for a loaded node, short enough for an admin waiting.</summary>
    internal static readonly TimeSpan StatsDeadline = TimeSpan.FromSeconds(3);

    /// <summary>
    /// How long after it is sent the registry still accepts a command. After that it refuses it (changing nothing), so a
    /// command that waited in a proxy's buffer or a frozen node's socket never lands after its admin was told it failed.
    /// </summary>
    internal static readonly TimeSpan WriteDeadline = TimeSpan.FromSeconds(4);

    private static readonly TimeSpan QuorumWait = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan QuorumPoll = TimeSpan.FromMilliseconds(50);

    /// <summary>
    /// A change either lands and says so, or fails with the reason and changes nothing: refused here at once when this node
    /// cannot reach a majority of the gateways or the registry's node; otherwise sent with a deadline the registry enforces.
    /// Retrying is safe: a change that is already in effect answers as it did the first time and writes nothing.
    /// </summary>
    private async Task<AdminMessage> Change(ManagementCommand command)
    {
        await EnsureWritableAsync();
        var notAfter = DateTimeOffset.UtcNow + WriteDeadline;
        // The registry may take its directory write timeout after accepting (it answers "saved" even when some nodes have
        // not confirmed), plus the round trips.
        var timeout = WriteDeadline + runtime.Options.DirectoryWriteTimeout + TimeSpan.FromSeconds(3);
        ManagementResult result;
        try
        {
            result = await Directory.Ask<ManagementResult>(command with { NotAfter = notAfter }, timeout);
        }
        catch (AskTimeoutException)
        {
            throw new AdminException(StatusCodes.Status504GatewayTimeout,
                $"the registry did not answer within {timeout.TotalSeconds:0} s. It refuses the command if it receives it after {notAfter:HH:mm:ss} UTC, " +
                "so it cannot land later; if it arrived before, it is in effect: `routerctl router endpoint show <id>` (or `router groups`) says which. " +
                "Retrying is safe: a change already in effect is not written again");
        }
        if (!result.Succeeded)
            throw new AdminException(result.Code == ManagementResult.Expired ? StatusCodes.Status503ServiceUnavailable
                : result.Message.Contains("does not exist") ? StatusCodes.Status404NotFound
                : result.Message.Contains("already exists") ? StatusCodes.Status409Conflict : StatusCodes.Status400BadRequest, result.Message);
        return new AdminMessage(result.Message);
    }

    /// <summary>Refuses a change this node could not carry out now, before anything is sent: nothing can change.</summary>
    private async Task EnsureWritableAsync()
    {
        // A node that has just started (or just lost a member) confirms its majority within a round or two: wait that long.
        for (var waited = TimeSpan.Zero; runtime.Options.IsGateway && !runtime.Quorum.HasMajority && waited < QuorumWait; waited += QuorumPoll)
            await Task.Delay(QuorumPoll);
        if (runtime.Options.IsGateway && !runtime.Quorum.HasMajority)
            throw new AdminException(StatusCodes.Status503ServiceUnavailable,
                "no majority: this node does not currently reach a majority of the gateways (it may be on the minority side of a partition, " +
                "or the cluster is still forming); nothing was changed. Run the command against a node on the majority side (`routerctl cluster show` there)");
        var state = _cluster.State;
        // The registry singleton runs on the oldest gateway; while that one is unreachable or downed, a command would wait in
        // the registry proxy's buffer.
        var host = state.Members
            .Where(m => m.HasRole(RouterClusterSettings.GatewayRole) && m.Status is MemberStatus.Up or MemberStatus.Leaving or MemberStatus.Down)
            .OrderBy(m => m, Member.AgeOrdering)
            .FirstOrDefault();
        if (host is null || host.Address == _cluster.SelfAddress) return;
        var cutOff = host.Status == MemberStatus.Down || state.Unreachable.Any(m => m.Address == host.Address);
        if (cutOff)
            throw new AdminException(StatusCodes.Status503ServiceUnavailable,
                $"registry unreachable: the registry singleton runs on {host.Address}, which is {(host.Status == MemberStatus.Down ? "down" : "unreachable from this node")}; " +
                "nothing was changed. Once the split-brain resolver has downed it (`routerctl cluster show` shows the countdown), the registry restarts on the " +
                "oldest remaining gateway: retry then");
    }

    private static EndpointView ToView(EndpointState state, DateTimeOffset now)
    {
        var (definition, snapshot) = (state.Definition!, state.Snapshot);
        double? age = snapshot.TakenAt == DateTimeOffset.MinValue ? null : Math.Round(Math.Max(0, (now - snapshot.TakenAt).TotalSeconds), 1);
        // The wire's freshness values (SnapshotFreshness) are the admin API's (EndpointFreshness), string for string.
        var freshness = state.Freshness ?? SnapshotFreshness.Live;
        return new EndpointView(definition.ToDto(), snapshot.ToDto(), StateOf(definition, snapshot), freshness, age, state.Node, state.Note,
            freshness == SnapshotFreshness.Live ? null : [definition.Id]);
    }

    /// <summary>What an admin wants to know first about an endpoint.</summary>
    internal static string StateOf(EndpointDefinition definition, EndpointSnapshot snapshot) => (definition.Drained, snapshot.Circuit) switch
    {
        (true, _) when snapshot.InFlight > 0 => "draining",
        (true, _) => "drained",
        (_, CircuitState.Open) => "cooling-down",
        (_, CircuitState.HalfOpen) => "probing",
        _ => "active",
    };

    private Address ParseMember(string address)
    {
        var parsed = ParseAddress(address);
        return _cluster.State.Members.Any(m => m.Address == parsed)
            ? parsed
            : throw AdminException.NotFound($"{address} is not a member of this cluster (members: {string.Join(", ", _cluster.State.Members.Select(m => m.Address))})");
    }

    private static Address ParseAddress(string address)
    {
        try { return Address.Parse(address); }
        catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
        {
            throw AdminException.BadRequest($"'{address}' is not an Akka address; expected akka.tcp://llm-router@host:port");
        }
    }
}
