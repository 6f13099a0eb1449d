using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Router.Node.Tests;

/// <summary>
/// The provider examples in README.md ("### Providers") are real configurations: each one starts a node, with every
/// endpoint url's host swapped for a local recording upstream (HTTPS ones for an HTTPS upstream whose certificate is
/// issued by a test CA), and the upstream must receive what the example says: the url's path + /chat/completions,
/// its own Host, the key in the configured auth style, the api-version, the extra headers, the upstream model.
/// </summary>
public sealed partial class ReadmeProviderExamplesTests : IClassFixture<HttpsUpstreamTests.Certificates>
{
    private readonly TestCertificates _certificates;

    public ReadmeProviderExamplesTests(HttpsUpstreamTests.Certificates certificates) => _certificates = certificates.Issued;

    public static TheoryData<int> Examples()
    {
        var data = new TheoryData<int>();
        for (var i = 0; i < ProviderExamples().Count; i++) data.Add(i);
        return data;
    }

    [Fact]
    public void The_readme_has_the_four_provider_examples() =>
        ProviderExamples().Should().HaveCount(4, "OpenAI, Azure v1, Azure classic and self-hosted");

    [Theory]
    [MemberData(nameof(Examples))]
    public async Task Readme_provider_example_sends_what_it_describes(int index)
    {
        var json = ProviderExamples()[index];
        var example = new ConfigurationBuilder().AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json))).Build();
        await using var https = await RecordingUpstream.StartAsync(_certificates.Server);
        await using var http = await RecordingUpstream.StartAsync();

        var config = example.AsEnumerable().Where(kv => kv.Value is not null).ToDictionary(kv => kv.Key, kv => kv.Value!, StringComparer.OrdinalIgnoreCase);
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal); // variable in the example -> the value the test gives it
        var endpoints = new Dictionary<string, (string Group, Uri Original, RecordingUpstream Upstream)>(StringComparer.Ordinal);
        var variables = new List<string>();
        foreach (var (key, value) in config.ToList())
        {
            var parts = key.Split(':');
            if (parts is ["ModelGroups", var group, "Endpoints", var id, "Url"])
            {
                var original = new Uri(value);
                var upstream = original.Scheme == "https" ? https : http;
                var authority = upstream.Https ? $"https://localhost:{upstream.Port}" : $"http://127.0.0.1:{upstream.Port}";
                config[key] = authority + original.AbsolutePath.TrimEnd('/');
                endpoints[id] = (group, original, upstream);
            }
            else if (parts is ["ModelGroups", _, "Endpoints", _, "ApiKeyEnv"] or ["ModelGroups", _, "Endpoints", _, "HeadersFromEnv", _])
            {
                // The example's variable names (OPENAI_API_KEY, ...) stay untouched in this process: each gets a unique stand-in.
                var variable = $"ROUTER_README_{value}_{Guid.NewGuid():N}";
                var secret = $"{value.ToLowerInvariant()}-{Guid.NewGuid():N}";
                Environment.SetEnvironmentVariable(variable, secret);
                variables.Add(variable);
                secrets[key] = secret;
                config[key] = variable;
            }
        }
        config["Router:UpstreamCaBundle"] = _certificates.CaBundlePath; // the example's path stands for the test CA
        endpoints.Should().NotBeEmpty();

        try
        {
            await using var gateway = await TestGateway.StartAsync(s => { foreach (var (key, value) in config) s.Set(key, value); });
            foreach (var (id, (group, original, upstream)) in endpoints)
            {
                var seen = await ServedBy(gateway, group, id, upstream);
                var prefix = $"ModelGroups:{group}:Endpoints:{id}:";
                seen.Path.Should().Be(original.AbsolutePath.TrimEnd('/') + "/chat/completions", $"{id} posts to its url's path");
                seen.Host.Should().Be(upstream.Https ? $"localhost:{upstream.Port}" : $"127.0.0.1:{upstream.Port}");
                var key = secrets.GetValueOrDefault(prefix + "ApiKeyEnv");
                switch (example[prefix + "Auth"] ?? "bearer")
                {
                    case "bearer":
                        seen.Header("Authorization").Should().Be(key is null ? null : "Bearer " + key);
                        seen.Header("api-key").Should().BeNull();
                        break;
                    case "api-key":
                        seen.Header("api-key").Should().Be(key);
                        seen.Header("Authorization").Should().BeNull();
                        break;
                    case "none":
                        seen.Header("Authorization").Should().BeNull();
                        seen.Header("api-key").Should().BeNull();
                        break;
                    case var other:
                        throw new InvalidOperationException($"the README uses an auth style the test does not know: {other}");
                }
                seen.Query.Should().Be(example[prefix + "ApiVersion"] is { } version ? "?api-version=" + version : "");
                foreach (var (header, secret) in secrets.Where(s => s.Key.StartsWith(prefix + "HeadersFromEnv:", StringComparison.OrdinalIgnoreCase)))
                    seen.Header(header.Split(':')[^1]).Should().Be(secret);
                using var body = JsonDocument.Parse(seen.Body);
                body.RootElement.GetProperty("model").GetString().Should().Be(example[prefix + "UpstreamModel"] ?? group);
            }
        }
        finally
        {
            foreach (var variable in variables) Environment.SetEnvironmentVariable(variable, null);
        }
    }

    /// <summary>Sends chat requests to <paramref name="group"/> until endpoint <paramref name="id"/> serves one; what its upstream received.</summary>
    private static async Task<RecordedRequest> ServedBy(TestGateway gateway, string group, string id, RecordingUpstream upstream)
    {
        for (var attempt = 0; attempt < 10; attempt++)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
            {
                Content = new StringContent(TestGateway.ChatBody(group), Encoding.UTF8, "application/json"),
            };
            request.Headers.Host = "gateway.example";
            using var response = await TestGateway.Http.SendAsync(request);
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            if (response.Endpoint() == id) return upstream.Last;
        }
        throw new InvalidOperationException($"endpoint {id} of {group} served none of 10 requests");
    }

    private static IReadOnlyList<string> ProviderExamples()
    {
        var readme = File.ReadAllText(RepoPaths.Readme);
        var start = readme.IndexOf("\n### Providers", StringComparison.Ordinal);
        if (start < 0) return [];
        var end = readme.IndexOf("\n## ", start + 1, StringComparison.Ordinal);
        var nextSubsection = readme.IndexOf("\n### ", start + 1, StringComparison.Ordinal);
        if (nextSubsection > 0 && (end < 0 || nextSubsection < end)) end = nextSubsection;
        var section = end < 0 ? readme[start..] : readme[start..end];
        return JsonBlock().Matches(section).Select(m => m.Groups[1].Value).ToList();
    }

    [GeneratedRegex("```json\\n(.*?)\\n```", RegexOptions.Singleline)]
    private static partial Regex JsonBlock();
}
