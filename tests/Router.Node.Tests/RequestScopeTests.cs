using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;

namespace Router.Node.Tests;

/// <summary>
/// The gateway's per-request path resolves its services once, not through HttpContext.RequestServices, which opens a
/// DI scope for every request that touches it (a scope, its dictionary and a feature, disposed at the end).
/// </summary>
public sealed class RequestScopeTests
{
    [Fact]
    public async Task Chat_requests_streamed_or_not_open_no_request_scope()
    {
        var watch = new ScopeWatch();
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("a", o => o.CompletionTokens = 3)
            .Group("m")
            .Endpoint("m", "m-a", "a")
            .Services(services => services.AddSingleton<IStartupFilter>(watch)));

        foreach (var stream in new[] { false, true, false })
        {
            using var response = await gateway.ChatAsync("m", stream: stream);
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            await response.Content.ReadAsStringAsync();
        }
        using var unknown = await gateway.ChatAsync("no-such-model");
        unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);

        watch.Requests.Should().Be(4);
        watch.WithScope.Should().Be(0, "no middleware or route on the /v1 path should ask HttpContext.RequestServices");
    }

    /// <summary>Outermost middleware: after each /v1 request, notes whether a request-services scope was opened for it.</summary>
    private sealed class ScopeWatch : IStartupFilter
    {
        private int _requests;
        private int _withScope;
        public int Requests => Volatile.Read(ref _requests);
        public int WithScope => Volatile.Read(ref _withScope);

        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, inner) =>
            {
                await inner(context);
                if (!context.Request.Path.StartsWithSegments("/v1")) return;
                if (context.Features.Get<IServiceProvidersFeature>() is not null) Interlocked.Increment(ref _withScope);
                Interlocked.Increment(ref _requests);
            });
            next(app);
        };
    }
}
