using System.Text;
using Router.Node.Gateway;

namespace Router.Node.Tests;

public sealed class SecretRedactorTests
{
    private readonly SecretRedactor _redactor = new(["sk-abc+def/123", "org-42"]);

    [Fact]
    public void Every_occurrence_in_bytes_is_masked_in_plain_and_json_escaped_form()
    {
        var body = Encoding.UTF8.GetBytes("""{"a":"Bearer sk-abc+def/123","b":"sk-abc\u002Bdef\/123 sk-abc\u002Bdef/123","c":"org-42org-42"}""");

        var masked = Encoding.UTF8.GetString(_redactor.Redact(body));

        masked.Should().Be("""{"a":"Bearer [redacted]","b":"[redacted] [redacted]","c":"[redacted][redacted]"}""",
            "System.Text.Json escapes + as \\u002B; PHP and others also escape / as \\/");
    }

    [Fact]
    public void Text_without_secrets_is_returned_as_it_was()
    {
        var body = Encoding.UTF8.GetBytes("""{"error":{"message":"bad request"}}""");

        _redactor.Redact(body).Should().BeSameAs(body);
        _redactor.Redact("nothing here").Should().Be("nothing here");
    }

    [Fact]
    public void Strings_are_masked_too_and_no_secrets_means_nothing_to_do()
    {
        _redactor.Redact("HTTP 500: key org-42 rejected").Should().Be("HTTP 500: key [redacted] rejected");
        new SecretRedactor([]).IsEmpty.Should().BeTrue();
        new SecretRedactor(["", "x1234"]).Redact("key x1234 rejected").Should().Be("key [redacted] rejected", "an unset value masks nothing");
    }

    [Fact]
    public void An_endpoints_redactor_masks_its_current_key_and_header_values()
    {
        var (env, secrets, endpoint) = EndpointWithKeyAndHeader();

        secrets.CredentialsFor(endpoint).Redactor.Redact("bad key sk-1 for org-1").Should().Be("bad key [redacted] for [redacted]");
        env["K"] = "sk-2";
        secrets.CredentialsFor(endpoint).Redactor.Redact("bad key sk-2").Should().Be("bad key [redacted]",
            "a rotated key is masked from the first request that sends it");
        UpstreamCredentials.Anonymous.Redactor.IsEmpty.Should().BeTrue();
    }

    [Fact]
    public void An_endpoints_credentials_are_reused_until_its_definition_or_a_variable_changes()
    {
        var (env, secrets, endpoint) = EndpointWithKeyAndHeader();

        var first = secrets.CredentialsFor(endpoint);
        secrets.CredentialsFor(endpoint).Should().BeSameAs(first, "nothing changed: no credentials built per request");

        env["K"] = "sk-2";
        var rotated = secrets.CredentialsFor(endpoint);
        rotated.Key.Should().Be("sk-2", "a key set anew is used on the next request");
        env["H"] = null;
        secrets.CredentialsFor(endpoint).Headers.Should().BeEmpty("an unset header variable leaves its header out");
        env["H"] = "org-2";
        secrets.CredentialsFor(endpoint).Headers.Should().Equal([new KeyValuePair<string, string>("OpenAI-Organization", "org-2")]);
        var redefined = endpoint with { ApiKeyEnv = null };
        secrets.CredentialsFor(redefined).Key.Should().BeNull("the endpoint no longer names a key");
        secrets.CredentialsFor(null).Should().BeSameAs(UpstreamCredentials.Anonymous);
    }

    /// <summary>An endpoint with a key (variable K = sk-1) and an extra header (H = org-1), over an environment the test changes.</summary>
    private static (Dictionary<string, string?> Env, UpstreamSecrets Secrets, Router.Messages.Endpoints.EndpointDefinition Endpoint) EndpointWithKeyAndHeader()
    {
        var env = new Dictionary<string, string?> { ["K"] = "sk-1", ["H"] = "org-1" };
        var endpoint = new Router.Messages.Endpoints.EndpointDefinition("e", "g", "http://u", ApiKeyEnv: "K")
        {
            HeadersFromEnv = new Dictionary<string, string> { ["OpenAI-Organization"] = "H" },
        };
        return (env, new UpstreamSecrets(v => env.GetValueOrDefault(v)), endpoint);
    }
}
