using Akka.Cluster;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// The split-brain resolver counts gateways only (keep-majority scoped to the gateway role): client-role actor systems
/// (other Akka services that join to send RouteRequest) never decide which side survives, however many there are.
/// </summary>
[Collection(nameof(ClusterTests))]
public class ResolverRoleTests
{
    [Fact]
    public async Task Two_gateways_cut_off_from_three_client_role_systems_stay_up_and_serving_and_the_clients_are_downed()
    {
        var endpoint = new EndpointDefinition("only", "chat", "http://10.0.0.1:8000");
        var options = TestCluster.Options("round-robin", endpoint);
        await using var cluster = await TestCluster.StartAsync(2, options, Partitions.Hocon);
        var gateways = cluster.Nodes.ToList();
        var clients = new List<TestNode>();
        for (var i = 0; i < 3; i++) clients.Add(await cluster.AddNodeAsync(options with { Roles = [$"billing-service-{i}"] }));
        gateways.Should().OnlyContain(g => g.Cluster.State.Members.Count == 5, "2 gateways and 3 clients are members");

        // Counted over every member, the clients' side would be the majority (3 of 5) and the gateways would down themselves.
        await Partitions.CutAsync(gateways, clients);

        // A timeout names each gateway's view (members by port and status, unreachable ports), not just "false".
        await Eventually.Until(() => gateways.Select(g => g.Cluster.State).ToList(),
            views => views.All(v => v.Members.Count == 2 && v.Unreachable.IsEmpty),
            "the gateways downed and removed the three clients", TimeSpan.FromSeconds(60),
            describe: views => string.Join("; ", views.Select(v =>
                $"members [{string.Join(", ", v.Members.Select(m => $"{m.Address.Port}:{m.Status}"))}], unreachable [{string.Join(", ", v.Unreachable.Select(m => m.Address.Port))}]")));
        foreach (var gateway in gateways)
        {
            gateway.Cluster.SelfMember.Status.Should().Be(MemberStatus.Up, "{0} is on the surviving side", gateway.Address);
            gateway.Cluster.State.Members.Should().OnlyContain(m => m.HasRole(RouterClusterSettings.GatewayRole));
        }
        // The clients' own resolver saw no gateway on its side (0 of 2) and downed the clients' side: their cluster stops.
        await Eventually.Until(() => clients.All(c => c.Cluster.IsTerminated || c.System.WhenTerminated.IsCompleted),
            "every client-role system left the cluster", TimeSpan.FromSeconds(60));

        // Still serving: both gateways grant leases (which needs their quorum of gateways).
        foreach (var gateway in gateways)
        {
            var answer = await gateway.RouteAsync(new RouteRequest("chat", $"after-partition-{gateway.Address.Port}"));
            var lease = answer.Should().BeOfType<LeaseGranted>().Subject.Lease;
            gateway.Report(new ReportOutcome(lease.EndpointId, lease.LeaseId, OutcomeKind.Success, 5));
        }
    }
}
