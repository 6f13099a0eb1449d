using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;

namespace Router.Actors.Hosting;

/// <summary>The router's services for an application that serves them from dependency injection.</summary>
public static class RouterServiceCollectionExtensions
{
    /// <summary>
    /// Serves <see cref="RouterClient"/> as a singleton, built from the <see cref="ActorSystem"/>, the
    /// <see cref="RouterRuntime"/> singleton (register it too, and compose the actor system with the same instance:
    /// <c>WithRouterRuntime(provider.GetRequiredService&lt;RouterRuntime&gt;())</c>) and the actor registry: the
    /// <see cref="EndpointRegion"/>, and on a gateway its <see cref="RouterPool"/>. Resolve it once the actor system runs.
    /// </summary>
    public static IServiceCollection AddRouterClient(this IServiceCollection services) =>
        services.AddSingleton(sp =>
        {
            var registry = sp.GetRequiredService<ActorRegistry>();
            return new RouterClient(sp.GetRequiredService<ActorSystem>(), sp.GetRequiredService<RouterRuntime>(),
                registry.Get<EndpointRegion>(), registry.TryGet<RouterPool>(out var pool) ? pool : null);
        });
}
