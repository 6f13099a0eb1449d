using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Router.AdminApi;

namespace Router.Node.Tests;

/// <summary>The dashboard's HTTP surface: where the page is served, what it may load, and that its data needs the token.</summary>
public sealed class DashboardTests
{
    private const string Token = "dashboard-test-token-5b1f";

    private static Task<TestGateway> StartAsync() => TestGateway.StartAsync(s => s
        .Sim("a").Sim("b")
        .Group("chat").Endpoint("chat", "chat-a", "a", maxInFlight: 4).Endpoint("chat", "chat-b", "b")
        .Set("Admin:Token", Token));

    [Fact]
    public async Task The_page_is_served_on_the_admin_listener_only_from_the_node_itself_and_without_data()
    {
        await using var gateway = await StartAsync();
        var admin = gateway.Node.AdminUrls[0].TrimEnd('/');

        foreach (var (path, type) in new[] { ("/dashboard", "text/html"), ("/dashboard/dashboard.js", "text/javascript"), ("/dashboard/dashboard.css", "text/css") })
        {
            using var response = await TestGateway.Http.GetAsync(admin + path);
            response.StatusCode.Should().Be(HttpStatusCode.OK, path);
            response.Content.Headers.ContentType!.MediaType.Should().Be(type);
            response.Headers.CacheControl!.NoStore.Should().BeTrue();
            var body = await response.Content.ReadAsStringAsync();
            body.Should().NotContain(Token).And.NotContain("chat-a", "the page carries no data before the token is given");
            body.Should().NotMatchRegex(@"(src|href)\s*=\s*""(https?:)?//", "every asset comes from the node: the machines may be offline");
            if (path == "/dashboard")
            {
                response.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'self'").And.Contain("script-src 'self'");
                body.Should().Contain("/dashboard/dashboard.js").And.Contain("/dashboard/dashboard.css");
            }
        }

        using var onGateway = await TestGateway.Http.GetAsync(gateway.BaseUrl + "/dashboard");
        onGateway.StatusCode.Should().Be(HttpStatusCode.NotFound, "the dashboard is an admin page: not on the client-facing port");
    }

    [Fact]
    public async Task The_data_call_needs_the_token_and_carries_members_endpoints_and_the_cluster_counts()
    {
        await using var gateway = await StartAsync();
        var admin = gateway.Node.AdminUrls[0].TrimEnd('/');

        using (var anonymous = await TestGateway.Http.GetAsync(admin + "/admin/dashboard/data"))
            anonymous.StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        for (var i = 0; i < 3; i++) (await gateway.ChatAsync("chat")).EnsureSuccessStatusCode();

        using var request = new HttpRequestMessage(HttpMethod.Get, admin + "/admin/dashboard/data");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        using var response = await TestGateway.Http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, text);
        var data = JsonSerializer.Deserialize<DashboardData>(text, new JsonSerializerOptions(JsonSerializerDefaults.Web)
            { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } })!;

        data.Cluster.Members.Should().ContainSingle().Which.Status.Should().Be("Up");
        data.Endpoints.Select(e => e.Definition.Id).Should().Equal("chat-a", "chat-b");
        data.Endpoints.Single(e => e.Definition.Id == "chat-a").Definition.MaxInFlight.Should().Be(4);
        data.Endpoints.Sum(e => e.Snapshot.TotalRequests).Should().Be(3, "each endpoint's own actor counted what it served");
        data.SnapshotsCached.Should().BeFalse();
        data.Stats.Groups.Single(g => g.Group == "chat").Requests.Should().Be(3);
        data.Stats.Nodes.Should().ContainSingle().Which.Address.Should().Be(data.Cluster.Self);
        data.Stats.NotAnswered.Should().BeEmpty();
        text.Should().NotContain(Token);
    }
}
