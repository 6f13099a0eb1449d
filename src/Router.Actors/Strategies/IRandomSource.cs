namespace Router.Actors.Strategies;

/// <summary>Randomness for strategies, injected so tests are deterministic.</summary>
public interface IRandomSource
{
    /// <summary>A number in [0, <paramref name="maxExclusive"/>).</summary>
    int Next(int maxExclusive);

    /// <summary>A number in [0, 1).</summary>
    double NextDouble();
}

/// <summary>The production source: <see cref="System.Random.Shared"/>, safe from any thread.</summary>
public sealed class SharedRandomSource : IRandomSource
{
    public static readonly SharedRandomSource Instance = new();

    public int Next(int maxExclusive) => Random.Shared.Next(maxExclusive);

    public double NextDouble() => Random.Shared.NextDouble();
}

/// <summary>A reproducible source for tests and benchmarks.</summary>
public sealed class SeededRandomSource(int seed) : IRandomSource
{
    private readonly Random _random = new(seed);

    public int Next(int maxExclusive) => _random.Next(maxExclusive);

    public double NextDouble() => _random.NextDouble();
}
