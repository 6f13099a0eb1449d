using System.Collections.Concurrent;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>Caps hold exactly across nodes because each endpoint's actor is the only one that grants leases.</summary>
[Collection(nameof(ClusterTests))]
public class ClusterWideLimitsTests
{
    [Fact]
    public async Task Max_in_flight_holds_cluster_wide_under_64_concurrent_callers_on_3_nodes()
    {
        var endpoints = Enumerable.Range(1, 3)
            .Select(i => new EndpointDefinition($"ep-{i}", "chat", $"http://10.0.0.{i}:8000", MaxInFlight: 5))
            .ToArray();
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("least-busy", endpoints));

        var callerHeld = new ConcurrentDictionary<string, int>();
        var callerPeak = new ConcurrentDictionary<string, int>();
        var granted = 0;
        var observedPeak = 0;
        using var stopMonitor = new CancellationTokenSource();

        // Watches the endpoints' own counts while the load runs.
        var monitor = Task.Run(async () =>
        {
            while (!stopMonitor.IsCancellationRequested)
            {
                foreach (var endpoint in endpoints)
                {
                    var state = await cluster[0].StateOfAsync(endpoint.Id);
                    InterlockedMax(ref observedPeak, state.Snapshot.InFlight);
                }
            }
        });

        var callers = Enumerable.Range(0, 64).Select(caller => Task.Run(async () =>
        {
            var node = cluster[caller % 3];
            for (var i = 0; i < 8; i++)
            {
                var lease = await RouteUntilGranted(node, $"c{caller}-{i}");
                var held = callerHeld.AddOrUpdate(lease.EndpointId, 1, (_, n) => n + 1);
                callerPeak.AddOrUpdate(lease.EndpointId, held, (_, peak) => Math.Max(peak, held));
                Interlocked.Increment(ref granted);
                await Task.Delay(Random.Shared.Next(1, 10)); // the "upstream call"
                callerHeld.AddOrUpdate(lease.EndpointId, 0, (_, n) => n - 1);
                node.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
            }
        })).ToArray();

        await Task.WhenAll(callers);
        await stopMonitor.CancelAsync();
        await monitor;

        granted.Should().Be(64 * 8);
        observedPeak.Should().BeInRange(1, 5);
        callerPeak.Values.Should().OnlyContain(peak => peak <= 5);
        foreach (var endpoint in endpoints)
        {
            // Releases are tells: wait for the last ones to land, then the endpoint's own count is 0.
            await Eventually.Until(async () => (await cluster[1].StateOfAsync(endpoint.Id)).Snapshot, s => s.InFlight == 0,
                $"{endpoint.Id} has no lease left");
            var snapshot = (await cluster[2].StateOfAsync(endpoint.Id)).Snapshot;
            snapshot.PeakInFlight.Should().BeInRange(1, 5, "the endpoint itself never granted a sixth concurrent lease");
            snapshot.TotalRequests.Should().BeGreaterThan(0, "least-busy spreads load over every endpoint");
        }
    }

    [Fact]
    public async Task Rpm_limit_of_60_grants_exactly_60_leases_per_minute_across_3_nodes()
    {
        var endpoint = new EndpointDefinition("limited", "chat", "http://10.0.0.1:8000", Rpm: 60);
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", endpoint));

        var answers = await Task.WhenAll(Enumerable.Range(0, 150).Select(i =>
            cluster[i % 3].RouteAsync(new RouteRequest("chat", $"r{i}"))));

        var grants = answers.OfType<LeaseGranted>().ToList();
        grants.Should().HaveCount(60);
        foreach (var grant in grants)
            cluster[0].Report(new ReportOutcome(grant.Lease.EndpointId, grant.Lease.LeaseId, OutcomeKind.Success, 5));

        var refusals = answers.OfType<NoEndpointAvailable>().ToList();
        refusals.Should().HaveCount(90).And.OnlyContain(r => r.Reason == NoEndpointReason.AllRateLimited);
        refusals.Should().OnlyContain(r => r.RetryAfter > TimeSpan.Zero && r.RetryAfter <= TimeSpan.FromSeconds(60));

        var state = await cluster[1].StateOfAsync("limited");
        state.Snapshot.RequestsLastMinute.Should().Be(60);
    }

    private static async Task<Lease> RouteUntilGranted(TestNode node, string requestId)
    {
        while (true)
        {
            var answer = await node.RouteAsync(new RouteRequest("chat", requestId));
            if (answer is LeaseGranted granted) return granted.Lease;
            var refusal = (NoEndpointAvailable)answer;
            refusal.Reason.Should().Be(NoEndpointReason.AllAtCapacity, refusal.Message);
            await Task.Delay(TimeSpan.FromMilliseconds(2)); // back off as a real caller honouring Retry-After would
        }
    }

    private static void InterlockedMax(ref int target, int value)
    {
        var current = Volatile.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }
}

[CollectionDefinition(nameof(ClusterTests), DisableParallelization = true)]
public class ClusterTests;
