using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Router.Node.Tests;

/// <summary>
/// One gateway in front of upstreams that record what they receive, each endpoint configured like a real provider:
/// OpenAI (Bearer + an extra header), Azure OpenAI v1 (api-key), Azure OpenAI classic (deployment url + api-version),
/// a self-hosted server without auth, and an upstream that echoes its request headers in its error bodies.
/// Variable names are unique to this fixture, so parallel fixtures cannot see them.
/// </summary>
public sealed class ProviderGateway : IAsyncLifetime
{
    private readonly string _suffix = Guid.NewGuid().ToString("N");
    public string OpenAiKeyVariable => "ROUTER_TESTS_OPENAI_KEY_" + _suffix;
    public string OrgVariable => "ROUTER_TESTS_OPENAI_ORG_" + _suffix;
    public string AzureKeyVariable => "ROUTER_TESTS_AZURE_KEY_" + _suffix;
    public string EchoKeyVariable => "ROUTER_TESTS_ECHO_KEY_" + _suffix;

    public string OpenAiKey { get; } = "sk-openai-" + Guid.NewGuid().ToString("N");
    public string Org { get; } = "org-" + Guid.NewGuid().ToString("N");
    public string AzureKey { get; } = Guid.NewGuid().ToString("N");
    /// <summary>With '+' and '/', which JSON writers escape (\u002B): the escaped form must be masked too.</summary>
    public string EchoKey { get; } = "sk-echo+" + Guid.NewGuid().ToString("N") + "/x";

    public RecordingUpstream OpenAi { get; private set; } = null!;
    public RecordingUpstream Azure { get; private set; } = null!;
    public RecordingUpstream Local { get; private set; } = null!;
    public RecordingUpstream Echo { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(OpenAiKeyVariable, OpenAiKey);
        Environment.SetEnvironmentVariable(OrgVariable, Org);
        Environment.SetEnvironmentVariable(AzureKeyVariable, AzureKey);
        Environment.SetEnvironmentVariable(EchoKeyVariable, EchoKey);
        OpenAi = await RecordingUpstream.StartAsync();
        Azure = await RecordingUpstream.StartAsync();
        Local = await RecordingUpstream.StartAsync();
        Echo = await RecordingUpstream.StartAsync();
        const string e = "ModelGroups:{0}:Endpoints:{1}:";
        Gateway = await TestGateway.StartAsync(s => s
            .Group("gpt-4o").Group("azure-v1").Group("azure-classic").Group("llama").Group("echo")
            .Set(string.Format(e, "gpt-4o", "openai") + "Url", $"http://127.0.0.1:{OpenAi.Port}/v1")
            .Set(string.Format(e, "gpt-4o", "openai") + "ApiKeyEnv", OpenAiKeyVariable)
            .Set(string.Format(e, "gpt-4o", "openai") + "HeadersFromEnv:OpenAI-Organization", OrgVariable)
            .Set(string.Format(e, "azure-v1", "azure-v1") + "Url", $"http://127.0.0.1:{Azure.Port}/openai/v1")
            .Set(string.Format(e, "azure-v1", "azure-v1") + "Auth", "api-key")
            .Set(string.Format(e, "azure-v1", "azure-v1") + "ApiKeyEnv", AzureKeyVariable)
            .Set(string.Format(e, "azure-classic", "azure-classic") + "Url", $"http://127.0.0.1:{Azure.Port}/openai/deployments/gpt-4o-prod")
            .Set(string.Format(e, "azure-classic", "azure-classic") + "Auth", "api-key")
            .Set(string.Format(e, "azure-classic", "azure-classic") + "ApiKeyEnv", AzureKeyVariable)
            .Set(string.Format(e, "azure-classic", "azure-classic") + "ApiVersion", "2024-10-21")
            .Set(string.Format(e, "llama", "vllm") + "Url", $"http://127.0.0.1:{Local.Port}/v1")
            .Set(string.Format(e, "llama", "vllm") + "Auth", "none")
            .Set(string.Format(e, "llama", "vllm") + "UpstreamModel", "meta-llama/Llama-3.1-8B-Instruct")
            .Set(string.Format(e, "echo", "echo") + "Url", $"http://127.0.0.1:{Echo.Port}/v1")
            .Set(string.Format(e, "echo", "echo") + "ApiKeyEnv", EchoKeyVariable)
            .Set("Router:Retries", 1)
            .Set("Router:FailureThreshold", 100));
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        foreach (var upstream in new[] { OpenAi, Azure, Local, Echo }) await upstream.DisposeAsync();
        foreach (var variable in new[] { OpenAiKeyVariable, OrgVariable, AzureKeyVariable, EchoKeyVariable }) Environment.SetEnvironmentVariable(variable, null);
    }
}

public sealed class ProviderAuthTests(ProviderGateway fixture) : IClassFixture<ProviderGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    /// <summary>
    /// A request as a client sends it to the gateway: addressed to another host name, with its own credentials
    /// (a gateway key, an api-key, an x-api-key, a cookie) that no upstream may see.
    /// </summary>
    private Task<HttpResponseMessage> SendAsClient(string model, string query = "")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/chat/completions" + query)
        {
            Content = new StringContent(TestGateway.ChatBody(model), Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = "gateway.example";
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "client-gateway-key");
        request.Headers.Add("api-key", "client-api-key");
        request.Headers.Add("x-api-key", "client-x-api-key");
        request.Headers.Add("Cookie", "session=client-cookie");
        request.Headers.Add("x-request-tag", "kept");
        return TestGateway.Http.SendAsync(request);
    }

    private static void AssertNoClientCredentials(RecordedRequest seen)
    {
        seen.Header("x-api-key").Should().BeNull();
        seen.Header("Cookie").Should().BeNull();
        string.Join("\n", seen.Headers.Values).Should().NotContain("client-gateway-key").And.NotContain("client-api-key").And.NotContain("client-cookie");
        seen.Header("x-request-tag").Should().Be("kept", "ordinary client headers still go through");
    }

    [Fact]
    public async Task OpenAI_gets_its_bearer_key_its_extra_header_and_its_own_host()
    {
        using var response = await SendAsClient("gpt-4o");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var seen = fixture.OpenAi.Last;
        seen.Path.Should().Be("/v1/chat/completions");
        seen.Host.Should().Be($"127.0.0.1:{fixture.OpenAi.Port}", "the upstream url's authority, not the client's gateway.example");
        seen.Header("Authorization").Should().Be("Bearer " + fixture.OpenAiKey);
        seen.Header("OpenAI-Organization").Should().Be(fixture.Org);
        seen.Header("api-key").Should().BeNull();
        AssertNoClientCredentials(seen);
    }

    [Fact]
    public async Task Azure_v1_base_url_gets_the_api_key_header_and_no_authorization()
    {
        using var response = await SendAsClient("azure-v1", "?trace=1");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var seen = fixture.Azure.Last;
        seen.Path.Should().Be("/openai/v1/chat/completions");
        seen.Query.Should().Be("?trace=1", "the client's query goes through when the endpoint sets no api-version");
        seen.Host.Should().Be($"127.0.0.1:{fixture.Azure.Port}");
        seen.Header("api-key").Should().Be(fixture.AzureKey);
        seen.Header("Authorization").Should().BeNull();
        AssertNoClientCredentials(seen);
    }

    [Fact]
    public async Task Azure_classic_deployment_url_gets_the_endpoints_api_version_in_place_of_the_clients()
    {
        using var response = await SendAsClient("azure-classic", "?api-version=1999-01-01&trace=1");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var seen = fixture.Azure.Last;
        seen.Path.Should().Be("/openai/deployments/gpt-4o-prod/chat/completions");
        seen.Query.Should().Be("?trace=1&api-version=2024-10-21");
        seen.Header("api-key").Should().Be(fixture.AzureKey);
        seen.Header("Authorization").Should().BeNull();
        AssertNoClientCredentials(seen);
    }

    [Fact]
    public async Task Self_hosted_server_without_auth_gets_no_credentials_at_all()
    {
        using var response = await SendAsClient("llama");

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var seen = fixture.Local.Last;
        seen.Path.Should().Be("/v1/chat/completions");
        seen.Host.Should().Be($"127.0.0.1:{fixture.Local.Port}");
        seen.Header("Authorization").Should().BeNull();
        seen.Header("api-key").Should().BeNull();
        AssertNoClientCredentials(seen);
    }

    [Fact]
    public async Task A_4xx_body_and_header_that_echo_the_key_reach_the_client_masked()
    {
        fixture.Echo.Respond = RecordingUpstream.EchoHeaders(400);

        using var response = await SendAsClient("echo");

        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.Should().Be(HttpStatusCode.BadRequest, body);
        fixture.Echo.Last.Header("Authorization").Should().Be("Bearer " + fixture.EchoKey, "the upstream did get the key");
        AssertMasked(body);
        response.Header("x-echo-authorization").Should().Be("Bearer [redacted]");
        response.Content.Headers.ContentLength.Should().Be(Encoding.UTF8.GetByteCount(body));
        body.Should().Contain("\"code\":\"echo\"", "the rest of the upstream's body is relayed as it was");
    }

    [Fact]
    public async Task A_5xx_that_echoes_the_key_is_summarised_without_it()
    {
        fixture.Echo.Respond = RecordingUpstream.EchoHeaders(500);

        using var response = await SendAsClient("echo");

        var error = await response.OpenAiErrorAsync(HttpStatusCode.BadGateway, "upstream_error");
        var message = error.GetProperty("message").GetString()!;
        fixture.Echo.Requests.Should().NotBeEmpty();
        AssertMasked(message);
        response.Headers.ToString().Should().NotContain(fixture.EchoKey, "a held-back 5xx's headers are not relayed");
    }

    private void AssertMasked(string text)
    {
        text.Should().NotContain(fixture.EchoKey);
        text.Should().NotContain(System.Text.Json.JsonEncodedText.Encode(fixture.EchoKey).Value, "nor JSON-escaped");
        text.Should().NotContain(fixture.EchoKey.Replace("+", "\\u002B", StringComparison.Ordinal));
        text.Should().Contain("[redacted]");
    }
}
