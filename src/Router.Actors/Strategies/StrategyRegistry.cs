using Microsoft.Extensions.DependencyInjection;

namespace Router.Actors.Strategies;

/// <summary>
/// Maps strategy names to factories. Holds the built-ins; users add their own with <see cref="Register"/>
/// (code, e.g. through Akka.Hosting), <see cref="RegisterType"/> (a type name from configuration) or, with dependency
/// injection, <c>services.AddRoutingStrategy&lt;T&gt;(name)</c> (applied by <see cref="RegisterServices"/>).
/// </summary>
public sealed class StrategyRegistry
{
    private readonly Dictionary<string, Func<IRoutingStrategy>> _factories = new(StringComparer.OrdinalIgnoreCase);

    public StrategyRegistry()
    {
        Register(RoundRobinStrategy.StrategyName, () => new RoundRobinStrategy());
        Register(WeightedRoundRobinStrategy.StrategyName, () => new WeightedRoundRobinStrategy());
        Register(WeightedRandomStrategy.StrategyName, () => new WeightedRandomStrategy());
        Register(LeastBusyStrategy.StrategyName, () => new LeastBusyStrategy());
        Register(LatencyStrategy.StrategyName, () => new LatencyStrategy());
        Register(PowerOfTwoChoicesStrategy.StrategyName, () => new PowerOfTwoChoicesStrategy());
        Register(UsageStrategy.StrategyName, () => new UsageStrategy());
        Register(CostStrategy.StrategyName, () => new CostStrategy());
        Register(SessionAffinityStrategy.StrategyName, () => new SessionAffinityStrategy());
    }

    public IReadOnlyCollection<string> Names => _factories.Keys.ToArray();

    public bool Contains(string name) => _factories.ContainsKey(name);

    /// <summary>Adds or replaces a strategy. The factory is called once per model group per node (the node's router pool shares the instance).</summary>
    public StrategyRegistry Register(string name, Func<IRoutingStrategy> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        _factories[name] = factory;
        return this;
    }

    /// <summary>Registers a type by its assembly-qualified name, e.g. "Acme.Routing.PreferEu, Acme.Routing".</summary>
    public StrategyRegistry RegisterType(string name, string assemblyQualifiedTypeName)
    {
        Type? type;
        try
        {
            type = Type.GetType(assemblyQualifiedTypeName, throwOnError: false);
        }
        catch (Exception e) when (e is FileLoadException or BadImageFormatException or ArgumentException)
        {
            throw new ArgumentException($"Custom strategy '{name}': cannot load '{assemblyQualifiedTypeName}': {e.Message}", e);
        }
        if (type is null)
            throw new ArgumentException(
                $"Custom strategy '{name}': type '{assemblyQualifiedTypeName}' was not found. " +
                "Use 'Namespace.Type, AssemblyName' and put the assembly next to the node.");
        if (type.IsAbstract || !typeof(IRoutingStrategy).IsAssignableFrom(type) || type.GetConstructor(Type.EmptyTypes) is null)
            throw new ArgumentException(
                $"Custom strategy '{name}': {type.FullName} must be a concrete class implementing {nameof(IRoutingStrategy)} with a public parameterless constructor.");
        return Register(name, () => (IRoutingStrategy)Activator.CreateInstance(type)!);
    }

    /// <summary>
    /// Adds every strategy registered in <paramref name="services"/> with <c>AddRoutingStrategy&lt;T&gt;(name)</c>, each
    /// instance created from the container (so its constructor may take services).
    /// </summary>
    public StrategyRegistry RegisterServices(IServiceProvider services)
    {
        foreach (var registration in services.GetServices<RoutingStrategyRegistration>())
            Register(registration.Name, () => (IRoutingStrategy)ActivatorUtilities.CreateInstance(services, registration.StrategyType));
        return this;
    }

    public IRoutingStrategy Create(string name) =>
        _factories.TryGetValue(name, out var factory)
            ? factory()
            : throw new ArgumentException(
                $"Unknown routing strategy '{name}'. Known: {string.Join(", ", _factories.Keys.Order())}.");
}
