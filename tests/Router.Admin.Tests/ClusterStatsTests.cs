using System.Text;
using Akka.Actor;
using Akka.Cluster;
using Microsoft.Extensions.DependencyInjection;
using Router.AdminApi;
using Router.Node;

namespace Router.Admin.Tests;

/// <summary>
/// `routerctl router stats` against a real 2-node cluster: the counts of both gateways are summed whichever node is
/// asked, each node is listed, and a node whose stats actor does not answer is named (exit 0, its requests missing).
/// Its own cluster: the counts asserted are exactly the requests sent here.
/// </summary>
[Collection(nameof(AdminTests))]
public sealed class ClusterStatsTests(AdminCluster cluster) : IClassFixture<AdminCluster>
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(30) };

    [Fact]
    public async Task Stats_sum_every_gateway_and_name_a_node_that_did_not_answer()
    {
        var (a, b) = (cluster.A, cluster.B);
        await SendAsync(a, 3);
        await SendAsync(b, 2);
        var addressA = AkkaAddress(a);
        var addressB = AkkaAddress(b);

        foreach (var asked in new[] { a, b })
        {
            var json = await AdminCluster.Ctl(asked, "router", "stats", "--json");
            json.Exit.Should().Be(0, json.ToString());
            var view = json.Json<ClusterStatsView>();
            view.Groups.Single(g => g.Group == "route").Requests.Should().Be(5, "3 requests went through A and 2 through B: {0}", json.Output);
            view.Nodes.Select(n => n.Address).Should().BeEquivalentTo([addressA, addressB]);
            view.Nodes.Single(n => n.Address == addressA).Groups.Single(g => g.Group == "route").Requests.Should().Be(3);
            view.Nodes.Single(n => n.Address == addressB).Groups.Single(g => g.Group == "route").Requests.Should().Be(2);
            view.NotAnswered.Should().BeEmpty();
        }

        var table = await AdminCluster.Ctl(a, "router", "stats");
        table.Exit.Should().Be(0, table.ToString());
        table.Output.Should().MatchRegex(@"(?m)^route\s+5\s+0\s+0\.0%\s+0\s+0$");
        table.Output.Should().MatchRegex($@"(?m)^{System.Text.RegularExpressions.Regex.Escape(addressB)}\s+2\s+0\s+0\s+0$");
        table.Error.Should().BeEmpty();

        var dashboard = await DashboardDataAsync(b);
        dashboard.Cluster.Members.Select(m => m.Address).Should().BeEquivalentTo([addressA, addressB]);
        dashboard.Stats.Groups.Single(g => g.Group == "route").Requests.Should().Be(5, "the dashboard shows the same cluster-wide counts");
        dashboard.Endpoints.Should().Contain(e => e.Definition.Id == "route-1");

        // B stays a member but its stats actor is gone (as on a node that is frozen or runs an older version): A waits
        // out the deadline, answers with its own counts and names B.
        var systemB = b.App.Services.GetRequiredService<ActorSystem>();
        var statsActor = await systemB.ActorSelection("/user/node-stats").ResolveOne(TimeSpan.FromSeconds(5));
        await statsActor.GracefulStop(TimeSpan.FromSeconds(5));

        var partial = await AdminCluster.Ctl(a, "router", "stats", "--json");
        partial.Exit.Should().Be(0, "a partial answer is an answer: {0}", partial);
        var partialView = partial.Json<ClusterStatsView>();
        partialView.NotAnswered.Should().Equal(addressB);
        partialView.Nodes.Select(n => n.Address).Should().Equal(addressA);
        partialView.Groups.Single(g => g.Group == "route").Requests.Should().Be(3, "only A's requests are counted");

        var partialDashboard = await DashboardDataAsync(a);
        partialDashboard.Stats.NotAnswered.Should().Equal(addressB);
        partialDashboard.Stats.Groups.Single(g => g.Group == "route").Requests.Should().Be(3);
        partialDashboard.Cluster.Members.Should().HaveCount(2, "B is still a member, only its counts are missing");

        var warned = await AdminCluster.Ctl(a, "router", "stats");
        warned.Exit.Should().Be(0, warned.ToString());
        warned.Output.Should().MatchRegex(@"(?m)^route\s+3\s");
        warned.Error.Should().Contain("warning: 1 gateway node did not answer in time").And.Contain(addressB);
    }

    private static async Task<DashboardData> DashboardDataAsync(GatewayNode node)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, node.AdminUrls[0].TrimEnd('/') + "/admin/dashboard/data");
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminCluster.Token);
        using var response = await Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.Should().BeTrue(text);
        return System.Text.Json.JsonSerializer.Deserialize<DashboardData>(text, AdminCluster.Json)!;
    }

    private static string AkkaAddress(GatewayNode node) =>
        Cluster.Get(node.App.Services.GetRequiredService<ActorSystem>()).SelfAddress.ToString();

    private static async Task SendAsync(GatewayNode node, int count)
    {
        for (var i = 0; i < count; i++)
        {
            using var content = new StringContent("""{"model":"route","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
            using var response = await Http.PostAsync(node.Urls[0].TrimEnd('/') + "/v1/chat/completions", content);
            response.IsSuccessStatusCode.Should().BeTrue(await response.Content.ReadAsStringAsync());
        }
    }
}
