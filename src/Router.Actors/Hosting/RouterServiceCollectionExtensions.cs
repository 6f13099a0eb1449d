using Akka.Actor;
using Akka.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Router.Actors.Strategies;

namespace Router.Actors.Hosting;

/// <summary>The router's services for an application that serves them from dependency injection.</summary>
public static class RouterServiceCollectionExtensions
{
    /// <summary>
    /// Serves the node's <see cref="RouterRuntime"/> as a singleton, created from <paramref name="options"/> once the
    /// strategies added with <see cref="AddRoutingStrategy{T}"/> are in its <see cref="StrategyRegistry"/>. Compose the
    /// actor system with the same instance: <c>WithRouterRuntime(provider.GetRequiredService&lt;RouterRuntime&gt;())</c>.
    /// </summary>
    public static IServiceCollection AddRouterRuntime(this IServiceCollection services, RouterClusterSettings options) =>
        services.AddSingleton(sp =>
        {
            options.Strategies.RegisterServices(sp);
            return new RouterRuntime(options);
        });

    /// <summary>
    /// Adds a routing strategy under <paramref name="name"/> (what a group's <c>Strategy</c> names). Each group that
    /// uses it gets its own instance on each node, created from the container (<see cref="ActivatorUtilities"/>: its
    /// constructor may take registered services). Takes effect through <see cref="AddRouterRuntime"/>.
    /// </summary>
    public static IServiceCollection AddRoutingStrategy<T>(this IServiceCollection services, string name) where T : class, IRoutingStrategy
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return services.AddSingleton(new RoutingStrategyRegistration(name, typeof(T)));
    }

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
