using System.Net;
using OpenAI;
using OpenAI.Chat;
using System.ClientModel;

namespace Router.Node.Tests;

/// <summary>
/// A gateway that requires a client key and holds the upstream's key in an environment variable. The
/// variable's name is unique to this fixture so parallel fixtures cannot see or change it.
/// </summary>
public sealed class SecuredGateway : IAsyncLifetime
{
    public const string ClientKey = "k1";
    public string UpstreamKeyVariable { get; } = "ROUTER_NODE_TESTS_UPSTREAM_KEY_" + Guid.NewGuid().ToString("N");
    public string UpstreamKey { get; } = "sk-upstream-" + Guid.NewGuid().ToString("N");
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(UpstreamKeyVariable, UpstreamKey);
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("guarded", o => { o.RequiredApiKey = UpstreamKey; o.TokensPerSecond = 1000; })
            .Group("chat")
            .Endpoint("chat", "guarded-1", "guarded", apiKeyEnv: UpstreamKeyVariable)
            .Set("Gateway:ApiKeys:0", ClientKey));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        Environment.SetEnvironmentVariable(UpstreamKeyVariable, null);
    }
}

public sealed class SecurityTests(SecuredGateway fixture) : IClassFixture<SecuredGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    [Theory]
    [InlineData(null)]
    [InlineData("wrong-key")]
    [InlineData("k1-but-longer")]
    public async Task Request_without_a_valid_client_key_is_401_and_reaches_no_upstream(string? bearer)
    {
        var before = _gateway.Sim("guarded").Stats.TotalRequests;

        using var response = await _gateway.ChatAsync("chat", bearer: bearer);

        await response.OpenAiErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");
        _gateway.Sim("guarded").Stats.TotalRequests.Should().Be(before);
    }

    [Fact]
    public async Task Model_list_needs_the_client_key_too()
    {
        using var anonymous = await TestGateway.Http.GetAsync(_gateway.BaseUrl + "/v1/models");
        await anonymous.OpenAiErrorAsync(HttpStatusCode.Unauthorized, "invalid_api_key");

        using var request = new HttpRequestMessage(HttpMethod.Get, _gateway.BaseUrl + "/v1/models");
        request.Headers.Authorization = new("Bearer", SecuredGateway.ClientKey);
        using var authorized = await TestGateway.Http.SendAsync(request);
        authorized.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Client_key_is_replaced_by_the_endpoint_key_from_its_environment_variable()
    {
        // The simulator accepts only the upstream key: a 200 proves the gateway sent it instead of "k1".
        using var response = await _gateway.ChatAsync("chat", bearer: SecuredGateway.ClientKey);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        AssertNoUpstreamKey(response, body);
    }

    [Fact]
    public async Task Upstream_key_never_shows_in_streamed_responses()
    {
        using var response = await _gateway.ChatAsync("chat", stream: true, bearer: SecuredGateway.ClientKey);

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.OK, body);
        body.Should().Contain("data: [DONE]");
        AssertNoUpstreamKey(response, body);
    }

    [Fact]
    public async Task OpenAI_SDK_authenticates_with_the_client_key()
    {
        var options = new OpenAIClientOptions { Endpoint = _gateway.ApiBase, NetworkTimeout = TimeSpan.FromSeconds(20) };

        ChatCompletion ok = await new ChatClient("chat", new ApiKeyCredential(SecuredGateway.ClientKey), options)
            .CompleteChatAsync([new UserChatMessage("hi")]);
        ok.Content[0].Text.Should().StartWith("tok");

        var rejected = async () => await new ChatClient("chat", new ApiKeyCredential("nope"), options)
            .CompleteChatAsync([new UserChatMessage("hi")]);
        (await rejected.Should().ThrowAsync<ClientResultException>()).Which.Status.Should().Be(401);
    }

    private void AssertNoUpstreamKey(HttpResponseMessage response, string body)
    {
        body.Should().NotContain(fixture.UpstreamKey);
        var headers = response.Headers.Concat(response.Content.Headers).SelectMany(h => h.Value.Select(v => $"{h.Key}: {v}"));
        headers.Should().NotContain(h => h.Contains(fixture.UpstreamKey));
        headers.Should().NotContain(h => h.Contains(fixture.UpstreamKeyVariable));
    }
}
