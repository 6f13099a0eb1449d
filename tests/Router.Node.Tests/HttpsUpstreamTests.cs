using System.Net;
using System.Text;

namespace Router.Node.Tests;

/// <summary>
/// An HTTPS upstream on https://localhost:PORT whose certificate (CN/SAN localhost) was issued by a CA made in the test,
/// reached through a gateway that the client addresses as gateway.example.
/// </summary>
public sealed class HttpsUpstreamTests : IClassFixture<HttpsUpstreamTests.Certificates>
{
    public sealed class Certificates : IDisposable
    {
        public TestCertificates Issued { get; } = new();
        public void Dispose() => Issued.Dispose();
    }

    private readonly TestCertificates _certificates;

    public HttpsUpstreamTests(Certificates certificates) => _certificates = certificates.Issued;

    private static Task<HttpResponseMessage> ChatVia(TestGateway gateway)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("secure"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Host = "gateway.example";
        return TestGateway.Http.SendAsync(request);
    }

    [Fact]
    public async Task Https_upstream_behind_an_internal_ca_is_reached_with_its_own_host_name()
    {
        await using var upstream = await RecordingUpstream.StartAsync(_certificates.Server);
        await using var gateway = await TestGateway.StartAsync(s => s
            .Group("secure")
            .Set("ModelGroups:secure:Endpoints:tls:Url", $"https://localhost:{upstream.Port}/v1")
            .Set("Router:UpstreamCaBundle", _certificates.CaBundlePath));

        using var response = await ChatVia(gateway);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Endpoint().Should().Be("tls");
        upstream.Requests.Should().ContainSingle();
        upstream.Last.Host.Should().Be($"localhost:{upstream.Port}", "the certificate's name, from the endpoint url, never the client's gateway.example");
        upstream.Last.Path.Should().Be("/v1/chat/completions");
    }

    [Fact]
    public async Task Without_the_ca_bundle_the_certificate_is_rejected_with_a_502_that_says_why()
    {
        await using var upstream = await RecordingUpstream.StartAsync(_certificates.Server);
        await using var gateway = await TestGateway.StartAsync(s => s
            .Group("secure")
            .Set("ModelGroups:secure:Endpoints:tls:Url", $"https://localhost:{upstream.Port}/v1")
            .Set("Router:Retries", 0));

        using var response = await ChatVia(gateway);

        var error = await response.OpenAiErrorAsync(HttpStatusCode.BadGateway, "upstream_error");
        var message = error.GetProperty("message").GetString()!;
        message.Should().Contain("certificate").And.Contain("Router:UpstreamCaBundle");
        upstream.Requests.Should().BeEmpty("the TLS handshake failed before any request");
    }

    [Fact]
    public async Task A_certificate_for_another_name_is_rejected_even_with_the_ca_bundle()
    {
        await using var upstream = await RecordingUpstream.StartAsync(_certificates.Server);
        await using var gateway = await TestGateway.StartAsync(s => s
            .Group("secure")
            .Set("ModelGroups:secure:Endpoints:tls:Url", $"https://127.0.0.1:{upstream.Port}/v1") // the certificate names localhost only
            .Set("Router:UpstreamCaBundle", _certificates.CaBundlePath)
            .Set("Router:Retries", 0));

        using var response = await ChatVia(gateway);

        await response.OpenAiErrorAsync(HttpStatusCode.BadGateway, "upstream_error");
        upstream.Requests.Should().BeEmpty();
    }
}
