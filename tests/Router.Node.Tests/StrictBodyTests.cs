using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Router.Node.Tests;

public sealed class StrictBodyGateway : IAsyncLifetime
{
    public TestGateway Gateway { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Gateway = await TestGateway.StartAsync(s => s
            .Sim("plain", o => o.RecordRequests = true)
            .Group("ok").Endpoint("ok", "ok-1", "plain"));

    public Task DisposeAsync() => Gateway.DisposeAsync().AsTask();
}

/// <summary>
/// A body that is not strict UTF-8 JSON anywhere is the client's mistake: 400 invalid_request_error from the
/// gateway, and no upstream ever sees it (an upstream answering such bytes with 5xx would cool endpoints down).
/// </summary>
public sealed class StrictBodyTests(StrictBodyGateway fixture) : IClassFixture<StrictBodyGateway>
{
    private readonly TestGateway _gateway = fixture.Gateway;

    /// <summary>Bodies with "§" where a raw byte sequence goes.</summary>
    public static TheoryData<string, string> InvalidBodies => new()
    {
        { "invalid UTF-8 in message content", """{"model":"ok","messages":[{"role":"user","content":"caf§"}]}""" },
        { "invalid UTF-8 in model", """{"model":"o§k","messages":[{"role":"user","content":"hi"}]}""" },
        { "invalid UTF-8 in user", """{"model":"ok","user":"§","messages":[{"role":"user","content":"hi"}]}""" },
        { "invalid UTF-8 in a member name", """{"model":"ok","me§ta":1,"messages":[{"role":"user","content":"hi"}]}""" },
        { "invalid UTF-8 deep in an array", """{"model":"ok","messages":[{"role":"user","content":[{"type":"text","text":"§"}]}]}""" },
        { "invalid UTF-8 in stream_options", """{"model":"ok","stream":true,"stream_options":{"x":"§"},"messages":[{"role":"user","content":"hi"}]}""" },
        { "line comment", "{\"model\":\"ok\", // pick a model\n\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}" },
        { "block comment", """{"model":"ok", /* a comment */ "messages":[{"role":"user","content":"hi"}]}""" },
        { "trailing comma in the object", """{"model":"ok","messages":[{"role":"user","content":"hi"}],}""" },
        { "trailing comma in an array", """{"model":"ok","messages":[{"role":"user","content":"hi"},]}""" },
        { "duplicate model", """{"model":"ok","messages":[{"role":"user","content":"hi"}],"model":"other"}""" },
        { "duplicate stream", """{"model":"ok","stream":false,"stream":true,"messages":[{"role":"user","content":"hi"}]}""" },
        { "escaped lone surrogate in model", """{"model":"ok\ud800","messages":[{"role":"user","content":"hi"}]}""" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public async Task Body_that_is_not_strict_utf8_json_is_400_and_never_forwarded(string what, string template)
    {
        foreach (var invalid in new[] { new byte[] { 0xFF }, [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xE2, 0x82] })
        {
            var body = Bytes(template, invalid);
            var before = _gateway.Sim("plain").Stats.TotalRequests;

            using var content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            using var response = await TestGateway.Http.PostAsync(_gateway.BaseUrl + "/v1/chat/completions", content);

            var error = await response.OpenAiErrorAsync(HttpStatusCode.BadRequest);
            error.GetProperty("type").GetString().Should().Be("invalid_request_error", what);
            _gateway.Sim("plain").Stats.TotalRequests.Should().Be(before, $"the upstream never sees a body with {what}");
            if (!template.Contains('§')) break;
        }
    }

    [Fact]
    public async Task Valid_utf8_and_escapes_anywhere_are_forwarded_unchanged()
    {
        const string body = """{"model":"ok","messages":[{"role":"user","content":"caf\u00e9 – naïve 👋 \"quoted\" \ud83d\udc4b"}],"metadata":{"k":"ü"}}""";

        using var response = await _gateway.PostAsync("/v1/chat/completions", body);

        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        _gateway.Sim("plain").State.Recorded.Last().Body.Should().Equal(Encoding.UTF8.GetBytes(body));
    }

    private static byte[] Bytes(string template, byte[] invalid)
    {
        var parts = template.Split('§');
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(parts[0]));
        for (var i = 1; i < parts.Length; i++)
        {
            bytes.AddRange(invalid);
            bytes.AddRange(Encoding.UTF8.GetBytes(parts[i]));
        }
        return bytes.ToArray();
    }
}
