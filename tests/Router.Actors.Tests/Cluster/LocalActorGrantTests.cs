using System.Diagnostics.Metrics;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// An uncapped endpoint whose actor runs on the caller's node is granted by the router without asking it, as one on
/// another node is: its actor is told the grant before the caller hears of it, so it counts the lease at once, and an
/// opened breaker reaches the node's routers when it opens, not a snapshot interval later.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class LocalActorGrantTests
{
    private static readonly EndpointDefinition[] Uncapped =
        Enumerable.Range(1, 2).Select(i => new EndpointDefinition($"ep-{i}", "chat", $"http://10.0.0.{i}:8000")).ToArray();

    // Far longer than each test's waits: a snapshot that arrives in time was published when its actor changed, not by
    // the periodic publish.
    private static readonly TimeSpan LongSnapshotInterval = TimeSpan.FromMinutes(5);

    [Fact]
    public async Task An_uncapped_endpoint_on_this_node_is_granted_without_asking_and_its_actor_counts_the_lease_at_once()
    {
        var scope = new object();
        using var grants = new LocalGrantCounter(scope);
        var (cluster, client) = await StartAsync(scope);
        await using var _ = cluster;
        var node = cluster[0];
        var before = grants.Count;

        for (var i = 0; i < 10; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"r{i}"), TimeSpan.FromSeconds(5))).Lease;
            // Asked right after the grant: the grant was told to the actor before the caller heard of it.
            (await node.StateOfAsync(lease.EndpointId)).Snapshot.InFlight.Should().Be(1, "the actor counts the lease {0} granted without asking it", lease.LeaseId);
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            (await node.StateOfAsync(lease.EndpointId)).Snapshot.InFlight.Should().Be(0, "the release reached the actor after the grant");
        }

        (grants.Count - before).Should().Be(10, "every request was granted by the router, none by a round trip to the endpoint's actor");
    }

    [Fact]
    public async Task An_opened_breaker_of_an_endpoint_on_this_node_stops_grants_before_the_next_snapshot_interval()
    {
        var (cluster, client) = await StartAsync(new object());
        await using var _ = cluster;
        var node = cluster[0];
        var failing = Uncapped[0].Id;

        // Three consecutive failures open the breaker (the default).
        for (var failures = 0; failures < 3;)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"f{failures}"), TimeSpan.FromSeconds(5))).Lease;
            var failed = lease.EndpointId == failing;
            if (failed) failures++;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, failed ? OutcomeKind.ServerError : OutcomeKind.Success, 20));
        }
        (await node.StateOfAsync(failing)).Snapshot.Circuit.Should().Be(CircuitState.Open);
        await Eventually.Until(() => node.Runtime.Snapshots.Slot(failing).Snapshot, s => s.Circuit == CircuitState.Open,
            $"the opened breaker reached this node's routers well before the next periodic snapshot ({LongSnapshotInterval.TotalMinutes} min)",
            TimeSpan.FromSeconds(20));

        for (var i = 0; i < 20; i++)
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"after{i}"), TimeSpan.FromSeconds(5))).Lease;
            lease.EndpointId.Should().NotBe(failing, "an endpoint whose breaker is open is not granted here");
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
        }
    }

    /// <summary>One gateway with both endpoints' actors, round-robin; returns once this node has a snapshot of each (their
    /// first, published as each actor starts serving).</summary>
    private static async Task<(TestCluster, RouterClient)> StartAsync(object metricsScope)
    {
        var defaults = TestCluster.Options("round-robin", Uncapped);
        var options = defaults with { MetricsScope = metricsScope, Endpoint = defaults.Endpoint with { SnapshotInterval = LongSnapshotInterval } };
        var cluster = await TestCluster.StartAsync(1, options);
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);
        var warm = 0;
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"warm-{warm++}"), TimeSpan.FromSeconds(5))).Lease;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            return Uncapped.All(e => node.Runtime.Snapshots.Slot(e.Id).Snapshot.Incarnation != 0);
        }, "this node has a snapshot of every endpoint", TimeSpan.FromSeconds(20));
        return (cluster, client);
    }

    /// <summary>Leases the routers of one node granted without asking an uncapped endpoint's actor.</summary>
    private sealed class LocalGrantCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private long _count;

        public LocalGrantCounter(object scope)
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (ReferenceEquals(instrument.Meter.Scope, scope) && instrument.Name == "llm_router.leases.granted_locally")
                    listener.EnableMeasurementEvents(instrument);
            };
            _listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
            {
                foreach (var tag in tags)
                    if (tag is { Key: "on", Value: "no_cap" }) Interlocked.Add(ref _count, value);
            });
            _listener.Start();
        }

        public long Count => Interlocked.Read(ref _count);

        public void Dispose() => _listener.Dispose();
    }
}
