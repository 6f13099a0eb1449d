using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A node holding long leases on many endpoints renews them in one message per node pair and renewal round, not one
/// per endpoint, and the leases stay alive (never fenced here, never reclaimed there) the whole time. Renewal rounds
/// are made short (200 ms) so that more rounds than the 2 s validity of an unrenewed lease pass within the test; the
/// validity stays long enough that a stall of the test process (a GC, a busy machine) is not mistaken for a lost renewal.
/// </summary>
[Collection(nameof(ClusterTests))]
public sealed class RenewalBatchTests
{
    private const int Rounds = 15;

    private static readonly EndpointDefinition[] Endpoints =
        Enumerable.Range(1, 12).Select(i => new EndpointDefinition($"ep-{i}", "chat", $"http://10.0.0.{i}:8000")).ToArray();

    [Fact]
    public async Task Leases_on_endpoints_of_other_nodes_are_renewed_in_one_batch_per_node_and_stay_alive()
    {
        var (cluster, client, leases) = await HoldTwoLeasesOnEachEndpointAsync();
        await using var _ = cluster;
        var node = cluster[0];
        var remoteNodes = Endpoints.Select(e => Home(node, e.Id)).Where(a => a != node.Address).Distinct().Count();
        remoteNodes.Should().Be(2, "12 endpoints spread over 3 nodes");
        var remoteEndpoints = Endpoints.Count(e => Home(node, e.Id) != node.Address);

        var (statementsBefore, batchesBefore) = (WireCounts.Sent(nameof(RenewLeases)), WireCounts.Sent(nameof(RenewLeasesBatch)));
        await Eventually.Until(() => Task.FromResult(WireCounts.Sent(nameof(RenewLeasesBatch)) - batchesBefore >= Rounds * remoteNodes),
            $"{Rounds} renewal rounds pass (3 s: longer than an unrenewed lease stays valid)", TimeSpan.FromSeconds(30));
        var (statements, batches) = (WireCounts.Sent(nameof(RenewLeases)) - statementsBefore, WireCounts.Sent(nameof(RenewLeasesBatch)) - batchesBefore);

        statements.Should().BeLessThan(remoteEndpoints,
            $"no statement crosses the network on its own (before batching: {remoteEndpoints} per round, one per endpoint on another node)");
        batches.Should().BeLessThanOrEqualTo((Rounds + 2) * remoteNodes, "one batch per node per round");
        leases.Should().OnlyContain(l => !client.RevocationOf(l).IsCancellationRequested, "every lease was renewed in time");
        foreach (var endpoint in Endpoints)
            (await cluster[1].StateOfAsync(endpoint.Id)).Snapshot.InFlight.Should().Be(2, $"{endpoint.Id} still counts both leases");
    }

    [Fact]
    public async Task Statements_to_a_node_whose_relay_does_not_answer_go_one_by_one_and_the_leases_stay_alive()
    {
        var (cluster, client, leases) = await HoldTwoLeasesOnEachEndpointAsync();
        await using var _ = cluster;
        var node = cluster[0];
        // As a node on a version without batched renewals would: the batches sent to it are handed to nobody.
        var silent = cluster.Nodes.Skip(1).First();
        silent.System.ActorSelection($"/user/{RouterHostingExtensions.LeaseActivityRelayName}").Tell(PoisonPill.Instance);
        var onSilent = Endpoints.Where(e => Home(node, e.Id) == silent.Address).Select(e => e.Id).ToList();
        onSilent.Should().NotBeEmpty();

        var statementsBefore = WireCounts.Sent(nameof(RenewLeases));
        await Eventually.Until(() => Task.FromResult(WireCounts.Sent(nameof(RenewLeases)) - statementsBefore >= onSilent.Count * Rounds),
            $"{Rounds} rounds of statements go one by one to the node whose relay does not answer", TimeSpan.FromSeconds(30));

        leases.Should().OnlyContain(l => !client.RevocationOf(l).IsCancellationRequested, "the one unanswered batch cost no lease");
        foreach (var id in onSilent)
            (await silent.StateOfAsync(id)).Snapshot.InFlight.Should().Be(2, $"{id} still counts both leases");
    }

    [Fact]
    public async Task Batches_lost_for_a_few_rounds_do_not_send_the_renewals_one_by_one()
    {
        // A lease validity of 5 s: batches count as never handed on only after a third of it, far beyond the cut below.
        var (cluster, client, leases) = await HoldTwoLeasesOnEachEndpointAsync(TimeSpan.FromSeconds(6), Partitions.Hocon);
        await using var _ = cluster;
        var (node, other) = (cluster[0], cluster[1]);
        var onOther = Endpoints.Count(e => Home(node, e.Id) == other.Address);
        onOther.Should().BePositive();

        var statementsBefore = WireCounts.Sent(nameof(RenewLeases));
        await Partitions.CutAsync([node], [other]);
        // Three renewal rounds (200 ms each) whose batches to the other node are lost, as are its answers: a batch
        // unanswered one interval later used to send every statement to that node one by one for a minute.
        await RenewalRoundsAsync(3);
        await Partitions.HealAsync([node], [other]);
        await RenewalRoundsAsync(5);

        (WireCounts.Sent(nameof(RenewLeases)) - statementsBefore).Should().BeLessThan(onOther,
            "a batch answered after the cut shows that the relay there hands batches on");
        leases.Should().OnlyContain(l => !client.RevocationOf(l).IsCancellationRequested, "every lease was renewed in time");
        // Grants told in a batch the cut swallowed are adopted from the renewals that follow it.
        foreach (var endpoint in Endpoints)
            (await other.StateOfAsync(endpoint.Id)).Snapshot.InFlight.Should().Be(2, $"{endpoint.Id} still counts both leases");
    }

    /// <summary>Until the first node has sent <paramref name="rounds"/> more rounds of batches (one to each other node).</summary>
    private static async Task RenewalRoundsAsync(int rounds)
    {
        var before = WireCounts.Sent(nameof(RenewLeasesBatch));
        await Eventually.Until(() => Task.FromResult(WireCounts.Sent(nameof(RenewLeasesBatch)) - before >= 2 * rounds),
            $"{rounds} renewal rounds pass", TimeSpan.FromSeconds(30));
    }

    /// <summary>Three nodes; the first learns where each endpoint's actor lives, then holds two leases on each.</summary>
    private static async Task<(TestCluster, RouterClient, List<Lease>)> HoldTwoLeasesOnEachEndpointAsync(
        TimeSpan? leaseTtl = null, string? hocon = null)
    {
        var defaults = TestCluster.Options("round-robin", Endpoints);
        var options = defaults with
        {
            Endpoint = defaults.Endpoint with
            {
                RenewInterval = TimeSpan.FromMilliseconds(200), LeaseTtl = leaseTtl ?? TimeSpan.FromSeconds(3), FencingMargin = TimeSpan.FromSeconds(1),
            },
        };
        var cluster = await TestCluster.StartAsync(3, options, hocon);
        var node = cluster[0];
        var client = new RouterClient(node.System, node.Runtime, node.Region, node.Router);
        var warm = 0;
        await Eventually.Until(async () =>
        {
            var lease = ((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"warm-{warm++}"), TimeSpan.FromSeconds(5))).Lease;
            client.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 20));
            // Learned from answers (the keeper batches by it), not from snapshots.
            return Endpoints.All(e => node.Runtime.EndpointHomes.TryGetHome(e.Id, out _));
        }, "this node knows where every endpoint's actor lives", TimeSpan.FromSeconds(15));
        // The warm-up's releases (some in a lease-activity batch) have reached their endpoints: a cut right after the
        // leases below must not swallow one, which an endpoint that is not strict would count until the lease TTL.
        await Eventually.Until(async () =>
        {
            foreach (var endpoint in Endpoints)
                if ((await node.StateOfAsync(endpoint.Id)).Snapshot.InFlight != 0) return false;
            return true;
        }, "every warm-up lease is released at its endpoint", TimeSpan.FromSeconds(10));

        var leases = new List<Lease>();
        for (var i = 0; i < 2 * Endpoints.Length; i++)
            leases.Add(((LeaseGranted)await client.RouteAsync(new RouteRequest("chat", $"held-{i}"), TimeSpan.FromSeconds(5))).Lease);
        leases.GroupBy(l => l.EndpointId).Should().HaveCount(Endpoints.Length).And.OnlyContain(g => g.Count() == 2);
        return (cluster, client, leases);
    }

    private static Address? Home(TestNode node, string endpointId) =>
        node.Runtime.EndpointHomes.TryGetHome(endpointId, out var home) ? home : null;
}
