using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// An endpoint with nothing to cap is granted where the caller is, without a round trip to its actor on another node,
/// and its actor still counts every such lease (told in batches): the sequence, the counts and the breaker stay exact.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class LocalGrantTests
{
    private static readonly EndpointDefinition[] Uncapped =
        Enumerable.Range(1, 3).Select(i => new EndpointDefinition($"ep-{i}", "chat", $"http://10.0.0.{i}:8000")).ToArray();

    [Fact]
    public async Task Uncapped_endpoints_on_other_nodes_are_granted_without_asking_and_still_counted()
    {
        var (cluster, client) = await StartAsync(Uncapped);
        await using var _ = cluster;
        var node = cluster[0];

        var acquiresBefore = WireCounts.Sent(nameof(AcquireLease));
        var served = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{i}"), TimeSpan.FromSeconds(5))).Lease;
            served.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        }

        served.Should().Equal(Enumerable.Range(0, 60).Select(i => served[i % 3]), "round-robin through one node is x, y, z, x, y, z");
        served.Distinct().Should().HaveCount(3);
        var remote = Uncapped.Select(e => e.Id).Where(id => node.Runtime.LastKnownHome(id) != node.Address).ToList();
        remote.Should().NotBeEmpty("3 endpoints on 3 nodes");
        (WireCounts.Sent(nameof(AcquireLease)) - acquiresBefore).Should().BeLessThan(remote.Count * 20 / 4,
            "the endpoints on other nodes granted nothing over the network (a few asks are allowed: homes are learned from answers)");
        foreach (var endpoint in Uncapped)
            await Eventually.Until(async () => (await cluster[1].StateOfAsync(endpoint.Id)).Snapshot, s => s is { InFlight: 0, TotalRequests: >= 21 },
                $"{endpoint.Id}'s actor counted each of its 20 requests (and the first one) and saw each released");
    }

    [Theory]
    [InlineData("round-robin")]
    [InlineData("least-busy")]
    public async Task A_capped_endpoint_on_another_node_lends_spares_and_its_actor_counts_every_request(string strategy)
    {
        var capped = Uncapped.Select(e => e with { MaxInFlight = 50 }).ToArray();
        var served = new List<string>(); // every lease of the test, from the first: each actor must count exactly these
        var (cluster, client) = await StartAsync(capped, strategy, served: served);
        await using var _ = cluster;
        var node = cluster[0];
        var remote = capped.Select(e => e.Id).Where(id => node.Runtime.LastKnownHome(id) != node.Address).ToList();
        remote.Should().NotBeEmpty("3 endpoints on 3 nodes");
        // One request each asks for spares; they arrive a batch interval later.
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", "spares"), TimeSpan.FromSeconds(5))).Lease;
            served.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            return remote.All(id => node.Runtime.Spares.IdleOn(id) > 0);
        }, "every endpoint on another node lent this node spares");
        var warmUp = served.Count;

        var acquiresBefore = WireCounts.Sent(nameof(AcquireLease));
        for (var i = 0; i < 60; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{i}"), TimeSpan.FromSeconds(5))).Lease;
            served.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        }

        if (strategy == "round-robin")
            served.Skip(warmUp).Should().Equal(Enumerable.Range(0, 60).Select(i => served[warmUp + i % 3]), "round-robin through one node is x, y, z, x, y, z");
        served.Skip(warmUp).Distinct().Should().HaveCount(3, $"{strategy} spreads over every endpoint");
        (WireCounts.Sent(nameof(AcquireLease)) - acquiresBefore).Should().BeLessThan(remote.Count * 20 / 4,
            "requests to capped endpoints on other nodes ran on the spares they lent, without asking");
        foreach (var id in remote)
            await Eventually.Until(async () => (await cluster[1].StateOfAsync(id)).Snapshot,
                s => s.InFlight == 0 && s.TotalRequests == served.Count(e => e == id),
                $"{id}'s actor counted each of its {served.Count(e => e == id)} requests (20 on spares) once, and saw each end",
                TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task Without_spare_leases_a_capped_endpoint_is_always_asked()
    {
        var capped = Uncapped.Select(e => e with { MaxInFlight = 50 }).ToArray();
        var (cluster, client) = await StartAsync(capped, options: o => o with { Routing = o.Routing with { SpareLeases = false } });
        await using var _ = cluster;

        var acquiresBefore = WireCounts.Sent(nameof(AcquireLease));
        for (var i = 0; i < 30; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{i}"), TimeSpan.FromSeconds(5))).Lease;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        }
        (WireCounts.Sent(nameof(AcquireLease)) - acquiresBefore).Should().BeGreaterThanOrEqualTo(20 - 2,
            "with spares off, a cap is decided by the endpoint's actor for every request on another node");
    }

    /// <summary>
    /// First one node's callers borrow spares while there is room, then stop; then callers on the other two nodes keep
    /// far more requests going than the caps allow, each holding its lease for a few milliseconds, as an upstream would
    /// see them: between grant and release. No endpoint ever has more than its cap running, and each reaches it: the
    /// idle node's spares are recalled as the endpoints fill, well before they would time out unused.
    /// </summary>
    [Theory]
    [InlineData("round-robin")]
    [InlineData("least-busy")]
    public async Task Spares_never_let_more_than_the_cap_run_and_an_idle_nodes_spares_go_to_busy_ones(string strategy)
    {
        const int cap = 8;
        var capped = Uncapped.Select(e => e with { MaxInFlight = cap }).ToArray();
        var (cluster, _) = await StartAsync(capped, strategy);
        await using var __ = cluster;
        var clients = cluster.Nodes.Select(n => new RouterClient(n.System, n.Runtime, n.Region, n.Router)).ToList();
        var running = capped.ToDictionary(e => e.Id, _ => 0);
        var peak = capped.ToDictionary(e => e.Id, _ => 0);
        var granted = 0;

        async Task Caller(RouterClient client, int n, CancellationToken stop)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                if (await client.RouteAsync(new RouteRequest("chat", $"c{n}-{i}"), TimeSpan.FromSeconds(5)) is not LeaseGranted { Lease: var lease })
                {
                    await Task.Delay(5);
                    continue;
                }
                lock (running)
                {
                    running[lease.EndpointId]++;
                    peak[lease.EndpointId] = Math.Max(peak[lease.EndpointId], running[lease.EndpointId]);
                    granted++;
                }
                await Task.Delay(2 + i % 5);
                lock (running) running[lease.EndpointId]--;
                client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
            }
        }

        using (var borrowing = new CancellationTokenSource(TimeSpan.FromSeconds(1)))
            await Task.WhenAll(Enumerable.Range(0, 6).Select(n => Task.Run(() => Caller(clients[0], n, borrowing.Token))));
        var remote = capped.Select(e => e.Id).Where(id => cluster[0].Runtime.LastKnownHome(id) != cluster[0].Address).ToList();
        remote.Sum(id => cluster[0].Runtime.Spares.IdleOn(id)).Should().BeGreaterThan(0, "the first node borrowed spares and now leaves them idle");
        foreach (var id in running.Keys) peak[id] = 0;

        using (var saturating = new CancellationTokenSource(TimeSpan.FromSeconds(2.5)))
            await Task.WhenAll(Enumerable.Range(0, 36).Select(n => Task.Run(() => Caller(clients[1 + n % 2], n, saturating.Token))));

        peak.Values.Should().AllSatisfy(p => p.Should().BeLessThanOrEqualTo(cap, "no more than the cap may run on an endpoint"));
        peak.Values.Should().AllSatisfy(p => p.Should().Be(cap, "every endpoint was filled: the idle node's spares were recalled"));
        granted.Should().BeGreaterThan(100);
    }

    [Fact]
    public async Task Rate_limited_endpoints_on_other_nodes_lend_budget_and_their_actors_count_every_request_and_token()
    {
        var limited = Uncapped.Select(e => e with { Rpm = 1_000, Tpm = 1_000_000 }).ToArray();
        var served = new List<string>(); // every lease of the test, from the first: each actor must count exactly these
        var (cluster, client) = await StartAsync(limited, served: served);
        await using var _ = cluster;
        var node = cluster[0];
        var remote = limited.Select(e => e.Id).Where(id => node.Runtime.LastKnownHome(id) != node.Address).ToList();
        remote.Should().NotBeEmpty("3 endpoints on 3 nodes");
        var withTokens = new List<string>(); // the warm-up's first requests estimate no tokens; these 100 each
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", "budget", EstimatedInputTokens: 100),
                TimeSpan.FromSeconds(5))).Lease;
            served.Add(lease.EndpointId);
            withTokens.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20, null, 100, 0));
            return remote.All(id => node.Runtime.Allowances.RequestsLeftOn(id) >= 20);
        }, "every endpoint on another node lent this node budget for 20 requests (lots grow with demand)");

        var acquiresBefore = WireCounts.Sent(nameof(AcquireLease));
        for (var i = 0; i < 60; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{i}", EstimatedInputTokens: 100),
                TimeSpan.FromSeconds(5))).Lease;
            served.Add(lease.EndpointId);
            withTokens.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20, null, 100, 0));
        }

        (WireCounts.Sent(nameof(AcquireLease)) - acquiresBefore).Should().BeLessThan(remote.Count * 20 / 4,
            "requests to rate-limited endpoints on other nodes ran on the budget they lent, without asking");
        foreach (var id in remote)
            await Eventually.Until(async () => (await cluster[1].StateOfAsync(id)).Snapshot,
                s => s.InFlight == 0 && s.RequestsLastMinute == served.Count(e => e == id) && s.TokensLastMinute == 100 * withTokens.Count(e => e == id),
                $"{id}'s actor counts each of its {served.Count(e => e == id)} requests and their tokens once, lent budget given back",
                TimeSpan.FromSeconds(10));
    }

    /// <summary>
    /// Callers on all three nodes keep asking for more than the rpm limits allow. Counted where the requests would reach
    /// the upstream (between grant and release): no endpoint ever gets more than its limit in the minute, whether granted
    /// by its actor or on budget it lent, and every endpoint gets all of it: budget lent and not used comes back.
    /// </summary>
    [Fact]
    public async Task Lent_budget_never_lets_more_than_the_rpm_limit_through_and_none_of_it_is_lost()
    {
        const int rpm = 300;
        var limited = Uncapped.Select(e => e with { Rpm = rpm }).ToArray();
        var warmUp = new List<string>();
        var (cluster, _) = await StartAsync(limited, served: warmUp);
        await using var __ = cluster;
        var clients = cluster.Nodes.Select(n => new RouterClient(n.System, n.Runtime, n.Region, n.Router)).ToList();
        var granted = limited.ToDictionary(e => e.Id, e => warmUp.Count(id => id == e.Id));

        async Task Caller(RouterClient client, int n, CancellationToken stop)
        {
            for (var i = 0; !stop.IsCancellationRequested; i++)
            {
                if (await client.RouteAsync(new RouteRequest("chat", $"c{n}-{i}"), TimeSpan.FromSeconds(5)) is not LeaseGranted { Lease: var lease })
                {
                    await Task.Delay(20);
                    continue;
                }
                lock (granted) granted[lease.EndpointId]++;
                client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
            }
        }

        using var onLentBudget = GrantedLocally(cluster, "lent_budget");
        using (var load = new CancellationTokenSource(TimeSpan.FromSeconds(6)))
            await Task.WhenAll(Enumerable.Range(0, 12).Select(n => Task.Run(() => Caller(clients[n % 3], n, load.Token))));

        granted.Values.Should().AllSatisfy(g => g.Should().Be(rpm, "each endpoint took exactly its limit in the minute: never more, and lent budget left unused came back"));
        onLentBudget.Count.Should().BeGreaterThan(0, "part of it was granted on lent budget, without asking");
    }

    /// <summary>Counts the leases the cluster's routers grant without asking, on <paramref name="on"/>, from now until disposed.</summary>
    private static GrantCounter GrantedLocally(TestCluster cluster, string on) => new(cluster.Nodes.Select(n => n.Runtime.Options.MetricsScope).ToHashSet(), on);

    private sealed class GrantCounter : IDisposable
    {
        private readonly System.Diagnostics.Metrics.MeterListener _listener = new();
        private long _count;

        public GrantCounter(HashSet<object?> scopes, string on)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Name == "llm_router.leases.granted_locally" && scopes.Contains(instrument.Meter.Scope))
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag.Key == "on" && Equals(tag.Value, on)) Interlocked.Add(ref _count, value);
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }

    [Fact]
    public async Task A_least_busy_group_ranks_on_this_nodes_exact_counts_asks_no_other_node_and_every_actor_counts_its_leases()
    {
        var served = new List<string>(); // every lease of the test, from the first: each actor must count exactly these
        var (cluster, client) = await StartAsync(Uncapped, "least-busy", served: served);
        await using var _ = cluster;
        var node = cluster[0];
        Uncapped.Should().OnlyContain(e => node.Runtime.LastKnownHome(e.Id) != null, "the warm-up taught this node where each actor lives");

        var acquires = WireCounts.Sent(nameof(AcquireLease));
        for (var round = 0; round < 20; round++)
        {
            // Three held at once, released at once, round after round: the snapshots of the other nodes' endpoints lag
            // behind each release, but this node's own count does not, so each round spreads over all three.
            var leases = new List<Lease>();
            for (var i = 0; i < 3; i++)
                leases.Add(((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{round}-{i}"), TimeSpan.FromSeconds(5))).Lease);
            leases.Select(l => l.EndpointId).Should().OnlyHaveUniqueItems($"round {round}: least-busy puts three requests on three idle endpoints");
            foreach (var lease in leases)
            {
                served.Add(lease.EndpointId);
                client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            }
        }

        (WireCounts.Sent(nameof(AcquireLease)) - acquires).Should().Be(0, "uncapped endpoints on other nodes have nothing to refuse: their leases are granted here");
        foreach (var endpoint in Uncapped)
        {
            node.Runtime.Leases.InUseOn(endpoint.Id).Value.Should().Be(0, "every request on it ended");
            var expected = served.Count(id => id == endpoint.Id);
            await Eventually.Until(async () => (await cluster[1].StateOfAsync(endpoint.Id)).Snapshot, s => s.InFlight == 0 && s.TotalRequests == expected,
                $"{endpoint.Id}'s actor counted each of its {expected} leases and saw each released");
        }
    }

    [Fact]
    public async Task An_open_breaker_stops_local_grants_within_a_snapshot_interval()
    {
        var (cluster, client) = await StartAsync(Uncapped);
        await using var _ = cluster;
        var node = cluster[0];
        var failing = Uncapped.Select(e => e.Id).First(id => node.Runtime.LastKnownHome(id) != node.Address);

        // The failing endpoint's requests fail until its breaker opens (3 consecutive failures by default).
        var failures = 0;
        for (var i = 0; failures < 3 && i < 30; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"f{i}"), TimeSpan.FromSeconds(5))).Lease;
            var failed = lease.EndpointId == failing;
            if (failed) failures++;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, failed ? OutcomeKind.ServerError : OutcomeKind.Success, 20));
        }
        failures.Should().Be(3);
        await Eventually.Until(() => node.Runtime.Snapshots.Slot(failing).Snapshot, s => s.Circuit == CircuitState.Open,
            "the open breaker reached this node's snapshot cache", TimeSpan.FromSeconds(5));

        for (var i = 0; i < 30; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"after{i}"), TimeSpan.FromSeconds(5))).Lease;
            lease.EndpointId.Should().NotBe(failing, "a cooling-down endpoint is asked, and it refuses");
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        }
    }

    /// <summary>Three nodes, a group of <paramref name="endpoints"/> (round-robin unless said), and a client on the first node that knows where each endpoint's actor lives.</summary>
    private static async Task<(TestCluster, RouterClient)> StartAsync(EndpointDefinition[] endpoints, string strategy = "round-robin",
        Func<RouterClusterSettings, RouterClusterSettings>? options = null, List<string>? served = null)
    {
        var defaults = TestCluster.Options(strategy, endpoints);
        var cluster = await TestCluster.StartAsync(3, options?.Invoke(defaults) ?? defaults);
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);
        await LearnHomes(client, cluster, served);
        return (cluster, client);
    }

    /// <summary>
    /// Round trips to each endpoint teach this node where its actor lives (and start it), until this node has a snapshot
    /// of each: the first snapshots may be pushed before the gossip that subscribes this node has reached their nodes.
    /// </summary>
    private static async Task LearnHomes(RouterClient client, TestCluster cluster, List<string>? served)
    {
        var warm = 0;
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"warm-{warm++}"), TimeSpan.FromSeconds(5))).Lease;
            served?.Add(lease.EndpointId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            return Uncapped.All(e => cluster[0].Runtime.Snapshots.Slot(e.Id).Snapshot.Incarnation != 0);
        }, "this node has a snapshot of every endpoint", TimeSpan.FromSeconds(15));
    }
}
