using Akka.Actor;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Router.Node.Lifecycle;

namespace Router.Node.Tests;

/// <summary>The gate in front of every /v1 request resolves the actor system once, at the first request.</summary>
public sealed class ServingGateTests
{
    [Fact]
    public async Task A_request_that_came_before_the_actor_system_was_up_does_not_fail_the_ones_after_it()
    {
        using var system = ActorSystem.Create("serving-gate-test");
        var asked = 0;
        var services = new ServiceCollection()
            .AddSingleton<NodeLifecycle>()
            // As Akka.Hosting's registration behaves before its hosted service has started: the first resolution fails.
            .AddSingleton(_ => ++asked == 1 ? throw new InvalidOperationException("the actor system has not started yet") : system)
            .BuildServiceProvider();
        var gate = new ServingGate(services);
        var passed = 0;
        RequestDelegate next = _ => { passed++; return Task.CompletedTask; };

        var early = () => gate.Handle(Chat(), next);
        await early.Should().ThrowAsync<InvalidOperationException>();
        await gate.Handle(Chat(), next);
        await gate.Handle(Chat(), next);

        passed.Should().Be(2, "once the actor system is up, requests pass the gate: the first failure is not kept");
        asked.Should().Be(2, "after it resolved, the gate keeps the actor system instead of asking for it per request");
        await system.Terminate();
    }

    private static HttpContext Chat() => new DefaultHttpContext { Request = { Path = "/v1/chat/completions" } };
}
