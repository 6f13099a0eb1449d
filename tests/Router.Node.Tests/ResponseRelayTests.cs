using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Router.Node.Tests;

/// <summary>
/// A response that is not a stream is held until its relay ended whole and then sent with its end in one send (rather
/// than the body and then, a dispatch later, the end of its chunked encoding). What is larger than the gateway holds
/// still reaches the client whole; and a body its upstream cut short never reaches the client, so the request goes to
/// another endpoint.
/// </summary>
public sealed class ResponseRelayTests
{
    [Fact]
    public async Task A_non_streamed_body_larger_than_what_is_held_reaches_the_client_whole()
    {
        const int tokens = 50_000; // "tok " each: about 200 KB, three times what is held
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("big", o => o.CompletionTokens = tokens)
            .Group("chat")
            .Endpoint("chat", "big-1", "big"));

        using var response = await gateway.ChatAsync("chat");

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var json = await response.JsonAsync();
        json.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!.Split(' ')
            .Should().HaveCount(tokens).And.OnlyContain(t => t == "tok");
        json.GetProperty("usage").GetProperty("completion_tokens").GetInt32().Should().Be(tokens);
        (await gateway.StateOf("big-1")).TokensLastMinute.Should().BeGreaterThanOrEqualTo(tokens,
            "the usage at the end of the body was read for the endpoint's token count");
    }

    [Fact]
    public async Task A_non_streamed_answer_its_upstream_cut_short_goes_to_another_endpoint_and_the_client_gets_that_one_whole()
    {
        using var cutter = new CuttingUpstream();
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("spare")
            .Group("chat")
            .Endpoint("chat", "spare-1", "spare")
            .Set("ModelGroups:chat:Endpoints:cut-1:Url", cutter.ApiBaseUrl));

        for (var i = 0; i < 4; i++)
        {
            using var response = await gateway.ChatAsync("chat");
            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.Should().Be(HttpStatusCode.OK, body);
            response.Endpoint().Should().Be("spare-1");
            using var json = JsonDocument.Parse(body); // throws if the cut answer's bytes came before it
            json.RootElement.GetProperty("object").GetString().Should().Be("chat.completion");
        }
        cutter.Answered.Should().BeGreaterThan(0, "round-robin sent requests to the endpoint that cuts its answers");
    }

    /// <summary>An upstream that answers 200 with the start of a chunked JSON body and then resets the connection.</summary>
    private sealed class CuttingUpstream : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private int _answered;

        public CuttingUpstream()
        {
            _listener.Start();
            _ = Task.Run(ServeAsync);
        }

        public string ApiBaseUrl => $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/v1";

        public int Answered => Volatile.Read(ref _answered);

        private async Task ServeAsync()
        {
            try
            {
                while (true)
                {
                    using var socket = await _listener.AcceptSocketAsync();
                    var buffer = new byte[65536];
                    var seen = new StringBuilder();
                    while (!seen.ToString().Contains("\r\n\r\n"))
                    {
                        var read = await socket.ReceiveAsync(buffer);
                        if (read == 0) break;
                        seen.Append(Encoding.ASCII.GetString(buffer, 0, read));
                    }
                    const string start = "{\"id\":\"cut\",\"choices\":[";
                    await socket.SendAsync(Encoding.ASCII.GetBytes(
                        $"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n{start.Length:x}\r\n{start}\r\n"));
                    Interlocked.Increment(ref _answered);
                    socket.LingerState = new LingerOption(true, 0); // a reset, not a clean end
                    socket.Close();
                }
            }
            catch (ObjectDisposedException)
            {
                // Stopped.
            }
            catch (SocketException)
            {
                // Stopped.
            }
        }

        public void Dispose() => _listener.Stop();
    }
}
