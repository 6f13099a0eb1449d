using System.Net;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Hosting;

namespace Router.Node.Tests;

/// <summary>
/// When this node's lease keeper revokes a lease (it could not renew it, or the endpoint no longer counts it), the
/// request on it stops at the upstream before the slot can be granted to anyone else, and the client is told why.
/// </summary>
public sealed class LeaseRevocationTests
{
    private sealed class HangingUpstream
    {
        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
        public TaskCompletionSource Aborted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Func<HttpContext, RecordedRequest, Task> Respond(bool streamFirstChunk) => async (context, _) =>
        {
            if (streamFirstChunk)
            {
                context.Response.ContentType = "text/event-stream";
                await context.Response.WriteAsync("data: {\"choices\":[{\"index\":0,\"delta\":{\"content\":\"hi\"}}]}\n\n");
                await context.Response.Body.FlushAsync();
            }
            Reached.TrySetResult();
            try { await Task.Delay(Timeout.Infinite, context.RequestAborted); }
            catch (OperationCanceledException) { Aborted.TrySetResult(); }
        };
    }

    /// <summary>A gateway whose one endpoint, held-ep, is an upstream that hangs until the request is aborted.</summary>
    private sealed record Setup(HangingUpstream Hanging, RecordingUpstream Upstream, TestGateway Gateway) : IAsyncDisposable
    {
        public static async Task<Setup> StartAsync(bool stream)
        {
            var hanging = new HangingUpstream();
            var upstream = await RecordingUpstream.StartAsync();
            upstream.Respond = hanging.Respond(stream);
            var gateway = await TestGateway.StartAsync(s => s
                .Group("held")
                .Set("ModelGroups:held:Endpoints:held-ep:Url", $"http://127.0.0.1:{upstream.Port}/v1")
                .Set("ModelGroups:held:Endpoints:held-ep:MaxInFlight", 1));
            return new Setup(hanging, upstream, gateway);
        }

        public async ValueTask DisposeAsync()
        {
            await Gateway.DisposeAsync();
            await Upstream.DisposeAsync();
        }
    }

    private static void RevokeTheOneLeaseOn(TestGateway gateway, string endpointId)
    {
        var leases = gateway.Node.App.Services.GetRequiredService<RouterRuntime>().Leases;
        var held = leases.ByEndpoint()[endpointId].Should().ContainSingle().Subject;
        leases.Revoke(held.Lease.LeaseId).Should().NotBeNull();
    }

    [Fact]
    public async Task A_revoked_lease_stops_its_request_at_the_upstream_and_the_client_gets_503_lease_revoked()
    {
        await using var setup = await Setup.StartAsync(stream: false);
        var (hanging, upstream, gateway) = setup;
        var request = gateway.ChatAsync("held");
        await hanging.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        RevokeTheOneLeaseOn(gateway, "held-ep");

        await hanging.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5)); // the upstream saw the request end, not just the client
        using var response = await request.WaitAsync(TimeSpan.FromSeconds(5));
        await response.OpenAiErrorAsync(HttpStatusCode.ServiceUnavailable, "lease_revoked");
        response.Headers.RetryAfter.Should().NotBeNull("the client may try again once the slot is known again");
        upstream.Requests.Should().ContainSingle("a revoked request is not sent again");
        (await gateway.StateWhen("held-ep", s => s.InFlight == 0)).InFlight.Should().Be(0);
    }

    [Fact]
    public async Task A_revoked_lease_cuts_its_stream_mid_way_and_ends_the_upstream_request()
    {
        await using var setup = await Setup.StartAsync(stream: true);
        var (hanging, _, gateway) = setup;
        using var request = new HttpRequestMessage(HttpMethod.Post, gateway.BaseUrl + "/v1/chat/completions")
        {
            Content = new StringContent(TestGateway.ChatBody("held", stream: true), Encoding.UTF8, "application/json"),
        };
        using var response = await TestGateway.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        await using var body = await response.Content.ReadAsStreamAsync();
        (await body.ReadAsync(new byte[256])).Should().BeGreaterThan(0, "the first chunk arrived");
        await hanging.Reached.Task.WaitAsync(TimeSpan.FromSeconds(10));

        RevokeTheOneLeaseOn(gateway, "held-ep");

        await hanging.Aborted.Task.WaitAsync(TimeSpan.FromSeconds(5));
        var rest = await ReadToEndOrFailureAsync(body).WaitAsync(TimeSpan.FromSeconds(5));
        rest.Should().NotContain("[DONE]", "the stream was stopped, not finished");
        (await gateway.StateWhen("held-ep", s => s.InFlight == 0)).InFlight.Should().Be(0);
    }

    private static async Task<string> ReadToEndOrFailureAsync(Stream body)
    {
        try { return await new StreamReader(body).ReadToEndAsync(); }
        catch (Exception e) when (e is IOException or HttpRequestException) { return ""; } // cut off: as much a stop as an end
    }
}
