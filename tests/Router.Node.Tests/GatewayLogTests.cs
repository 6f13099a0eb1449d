using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Router.Node.Tests;

/// <summary>
/// A gateway whose log is captured at Information for every category (what an operator raising the level would see):
/// "echo" answers 500 with the request headers (the upstream key among them) in its body; "hang" holds requests until
/// the client leaves.
/// </summary>
public sealed class LoggedGateway : IAsyncLifetime
{
    private readonly string _keyVariable = "ROUTER_LOG_TEST_KEY_" + Guid.NewGuid().ToString("N");

    /// <summary>With '+' and '/', which JSON writers escape: no form of it may reach the log.</summary>
    public string Key { get; } = "sk-logtest+" + Guid.NewGuid().ToString("N") + "/k";

    public RecordingUpstream Echo { get; private set; } = null!;
    public RecordingUpstream Hang { get; private set; } = null!;
    public TestGateway Gateway { get; private set; } = null!;
    public LogCapture Logs { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Environment.SetEnvironmentVariable(_keyVariable, Key);
        Echo = await RecordingUpstream.StartAsync();
        Echo.Respond = RecordingUpstream.EchoHeaders(500);
        Hang = await RecordingUpstream.StartAsync();
        const string e = "ModelGroups:{0}:Endpoints:{1}:";
        Gateway = await TestGateway.StartAsync(s => s
            .Group("echo").Group("hang").Group("down")
            .Set(string.Format(e, "down", "down-ep") + "Url", "http://127.0.0.1:9/v1") // discard port: nothing listens
            .Set(string.Format(e, "echo", "echo-ep") + "Url", $"http://127.0.0.1:{Echo.Port}/v1")
            .Set(string.Format(e, "echo", "echo-ep") + "ApiKeyEnv", _keyVariable)
            .Set(string.Format(e, "hang", "hang-ep") + "Url", $"http://127.0.0.1:{Hang.Port}/v1")
            .Set(string.Format(e, "hang", "hang-ep") + "ApiKeyEnv", _keyVariable)
            .Set("Router:Retries", 0)
            .Set("Router:FailureThreshold", 1)
            .Set("Router:CapacityWaitSeconds", 0)
            .Set("Logging:LogLevel:Default", "Information")
            .Services(services => services.AddSingleton<IStartupFilter, ClientGoneOnFirstWrite>()));
        Logs = LogCapture.AttachTo(Gateway.Node);
    }

    public async Task DisposeAsync()
    {
        await Gateway.DisposeAsync();
        await Echo.DisposeAsync();
        await Hang.DisposeAsync();
        Environment.SetEnvironmentVariable(_keyVariable, null);
    }
}

/// <summary>
/// What the gateway logs: one line per failed attempt (request id, endpoint, reason), one line without a stack trace for
/// the conditions a gateway meets every day, and never an upstream key.
/// </summary>
public sealed class GatewayLogTests(LoggedGateway fixture) : IClassFixture<LoggedGateway>
{
    private const int AttemptFailed = 1001, NotServed = 1003, ClientGone = 1004, BodyNotRead = 1005, EndedExpectedly = 1008, BreakerOpened = 3001;
    private readonly TestGateway _gateway = fixture.Gateway;
    private readonly LogCapture _logs = fixture.Logs;

    [Fact]
    public async Task A_failed_attempt_logs_one_line_with_the_request_id_the_endpoint_and_the_reason_and_never_the_key()
    {
        using var response = await _gateway.ChatAsync("echo");
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);

        var first = await _logs.WaitFor(r => r.EventId.Id == AttemptFailed && r.Value("EndpointId") == "echo-ep", "naming the failed attempt on echo-ep");
        var requestId = first.Value("RequestId");
        requestId.Should().NotBeNullOrEmpty();
        var attempts = _logs.Records.Where(r => r.EventId.Id == AttemptFailed && r.Value("RequestId") == requestId).ToList();
        attempts.Should().ContainSingle("one line per failed attempt, and this request made one (Router:Retries 0)");
        var attempt = attempts[0];
        (await _logs.WaitFor(r => r.EventId.Id == NotServed && r.Value("RequestId") == requestId, "saying the request was not served"))
            .Value("Status").Should().Be("502");
        attempt.Value("EndpointId").Should().Be("echo-ep");
        attempt.Value("Outcome").Should().Be("ServerError");
        attempt.Value("Status").Should().Be("500");
        attempt.Value("Reason").Should().Contain("[redacted]", "the upstream echoed the key; the reason is the redacted summary");
        attempt.Message.Should().Contain(requestId).And.Contain("echo-ep");
        attempt.Exception.Should().BeNull();
        attempt.Level.Should().Be(LogLevel.Warning);

        // FailureThreshold 1: that failure opened the endpoint's breaker, which its actor says once, naming it.
        await _logs.WaitFor(r => r.EventId.Id == BreakerOpened && r.Value("EndpointId") == "echo-ep", "saying echo-ep's breaker opened");
        _logs.Records.Where(r => r.EventId.Id == BreakerOpened && r.Value("EndpointId") == "echo-ep").Should().ContainSingle();

        fixture.Echo.Requests.Should().Contain(r => r.Header("Authorization") == "Bearer " + fixture.Key, "the upstream did get the key, and echoed it");
        AssertNoKey();
        AssertNoStackTraces();
    }

    [Fact]
    public async Task A_client_that_leaves_mid_request_gives_one_line_and_no_stack_trace()
    {
        var upstreamGotIt = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        fixture.Hang.Respond = async (context, _) =>
        {
            upstreamGotIt.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
        };
        using var client = new CancellationTokenSource();
        var request = _gateway.ChatAsync("hang", ct: client.Token);
        await upstreamGotIt.Task.WaitAsync(TimeSpan.FromSeconds(10));
        var before = _logs.Mark();

        await client.CancelAsync();
        await FluentActions.Awaiting(() => request).Should().ThrowAsync<OperationCanceledException>();

        await _logs.WaitFor(r => r.EventId.Id == ClientGone, "saying the client went away", since: before);
        (await _gateway.StateWhen("hang-ep", s => s.InFlight == 0)).InFlight.Should().Be(0, "leaving releases the lease");
        _logs.Records.Where(r => r.EventId.Id == AttemptFailed && r.Value("EndpointId") == "hang-ep")
            .Should().BeEmpty("a client leaving is not an upstream failure");
        AssertNoStackTraces();
    }

    [Fact]
    public async Task A_client_that_leaves_mid_stream_gives_one_line_and_no_stack_trace()
    {
        fixture.Hang.Respond = async (context, _) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n");
            await context.Response.Body.FlushAsync();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { }
        };
        var before = _logs.Mark();
        using (var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/chat/completions")
               { Content = new StringContent(TestGateway.ChatBody("hang", stream: true), Encoding.UTF8, "application/json") })
        using (var response = await TestGateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await using var stream = await response.Content.ReadAsStreamAsync();
            (await stream.ReadAsync(new byte[64])).Should().BeGreaterThan(0, "the first chunk arrived");
        } // the client hangs up with the stream open

        await _logs.WaitFor(r => r.EventId.Id == ClientGone, "saying the client went away", since: before);
        (await _gateway.StateWhen("hang-ep", s => s.InFlight == 0)).InFlight.Should().Be(0, "leaving releases the lease");
        AssertNoStackTraces();
    }

    [Fact]
    public async Task A_body_cut_short_gives_one_line_and_no_stack_trace()
    {
        using var socket = await ConnectAsync();
        var before = _logs.Mark();
        await SendAsync(socket, RequestHead(contentLength: 1000) + "{\"model\":\"hang\",");
        socket.Shutdown(SocketShutdown.Send); // the client stops before the 1000 bytes it announced

        await ReadUntilClosedAsync(socket);

        var line = await _logs.WaitFor(r => r.EventId.Id == BodyNotRead, "saying the body could not be read", since: before);
        // Kestrel reads the half-close either as the end of a body shorter than announced (400) or as the client leaving.
        line.Value("Status").Should().BeOneOf(["400", "499"], "was: {0}", line.Message);
        line.Exception.Should().BeNull();
        line.Level.Should().Be(LogLevel.Information);
        AssertNoStackTraces();
    }

    [Fact]
    public async Task A_slow_body_gives_one_line_and_no_stack_trace()
    {
        using var socket = await ConnectAsync();
        var before = _logs.Mark();
        await SendAsync(socket, RequestHead(contentLength: 100_000) + "{\"model\":\"hang\",");

        // Kestrel's minimum body data rate (240 B/s after a 5 s grace period) ends this request; nothing is sent meanwhile.
        await ReadUntilClosedAsync(socket, TimeSpan.FromSeconds(30));

        var line = await _logs.WaitFor(r => r.EventId.Id == BodyNotRead, "saying the body was too slow", since: before);
        line.Value("Status").Should().Be("408", "Kestrel's verdict on a body that arrives too slowly; was: {0}", line.Message);
        line.Exception.Should().BeNull();
        AssertNoStackTraces();
    }

    [Fact]
    public async Task A_client_that_leaves_as_the_gateway_answers_gives_one_line_and_no_stack_trace()
    {
        // The gateway's model routes end these failures themselves (the middleware that ends them for other routes lets
        // theirs through): the write of the 404 for an unknown model fails as on a reset connection.
        var before = _logs.Mark();
        using var request = new HttpRequestMessage(HttpMethod.Post, _gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("no-such-model"), Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(ClientGoneOnFirstWrite.Header, "1");
        using var response = await TestGateway.Http.SendAsync(request);

        var line = await _logs.WaitFor(r => r.EventId.Id == EndedExpectedly, "saying the request ended as expected", since: before);
        line.Value("Reason").Should().Be("the client went away");
        line.Value("Path").Should().Be("/v1/chat/completions");
        AssertNoStackTraces();
    }

    [Fact]
    public async Task An_unreachable_upstream_gives_one_attempt_line_and_no_stack_trace()
    {
        var before = _logs.Mark();
        using var response = await _gateway.ChatAsync("down");
        response.StatusCode.Should().Be(HttpStatusCode.BadGateway);

        var attempt = await _logs.WaitFor(r => r.EventId.Id == AttemptFailed && r.Value("EndpointId") == "down-ep", "naming the failed attempt", since: before);
        attempt.Value("Outcome").Should().Be("ConnectError");
        attempt.Value("Reason").Should().Contain("Connection refused");
        AssertNoStackTraces();
    }

    /// <summary>What an operator must never find: a stack trace or an Error for a condition the gateway expects.</summary>
    private void AssertNoStackTraces() =>
        _logs.Records.Where(r => r.Exception is not null || r.Level >= LogLevel.Error).Should().BeEmpty();

    private void AssertNoKey()
    {
        var escaped = System.Text.Json.JsonEncodedText.Encode(fixture.Key).Value;
        foreach (var record in _logs.Records)
        {
            var text = record.Message + "\n" + string.Join("\n", record.Values.Values.Select(v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture)))
                       + "\n" + record.Exception;
            text.Should().NotContain(fixture.Key, "record {0}", record).And.NotContain(escaped).And.NotContain(fixture.Key.Replace("+", "\\u002B", StringComparison.Ordinal));
        }
    }

    private string RequestHead(int contentLength) =>
        $"POST /v1/chat/completions HTTP/1.1\r\nHost: {new Uri(_gateway.BaseUrl).Authority}\r\nContent-Type: application/json\r\nContent-Length: {contentLength}\r\n\r\n";

    private async Task<Socket> ConnectAsync()
    {
        var uri = new Uri(_gateway.BaseUrl);
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, uri.Port);
        return socket;
    }

    private static async Task SendAsync(Socket socket, string text) => await socket.SendAsync(Encoding.ASCII.GetBytes(text), SocketFlags.None);

    /// <summary>Reads whatever the gateway answers until it closes the connection.</summary>
    private static async Task ReadUntilClosedAsync(Socket socket, TimeSpan? timeout = null)
    {
        using var deadline = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(15));
        var buffer = new byte[4096];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, deadline.Token) > 0) { }
        }
        catch (SocketException)
        {
            // Reset by the server: closed all the same.
        }
        catch (OperationCanceledException)
        {
            // Still open: the log decides whether the gateway noticed.
        }
    }
}

/// <summary>
/// For a request with <see cref="Header"/>, the client leaves just as the gateway starts answering: the first write to
/// the response cancels <see cref="HttpContext.RequestAborted"/> and fails as a write to a reset connection does.
/// </summary>
internal sealed class ClientGoneOnFirstWrite : IStartupFilter
{
    public const string Header = "x-test-client-gone-on-write";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, rest) =>
        {
            if (context.Request.Headers.ContainsKey(Header))
            {
                var left = new CancellationTokenSource();
                context.Response.RegisterForDispose(left);
                context.RequestAborted = left.Token;
                context.Response.Body = new ResetStream(left);
            }
            return rest(context);
        });
        next(app);
    };

    private sealed class ResetStream(CancellationTokenSource left) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Reset();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Reset();
            return ValueTask.CompletedTask;
        }

        private void Reset()
        {
            left.Cancel();
            throw new IOException("Connection reset by peer");
        }
    }
}
