using System.Globalization;
using Router.Actors.Strategies;

namespace Router.Bench;

/// <summary>Command line: --seconds N --callers N --strategy NAME --nodes N --groups 10,100,1000 --warmup N --settle N, or --codec.</summary>
public sealed record BenchOptions
{
    public int Seconds { get; init; } = 10;
    public int Callers { get; init; } = 64;
    public string Strategy { get; init; } = LeastBusyStrategy.StrategyName;
    public int Nodes { get; init; } = 3;
    public IReadOnlyList<int> GroupSizes { get; init; } = [10, 100, 1000];

    /// <summary>Only compare the snapshot gossip's binary form with JSON (--codec), then exit.</summary>
    public bool CodecOnly { get; init; }

    /// <summary>Longest warm-up per group; it ends earlier once every endpoint has been leased (after at least 2 s).</summary>
    public int WarmupSeconds { get; init; } = 5;

    /// <summary>How long no shard may move before load starts: just over the coordinator's 10 s rebalance interval.</summary>
    public int SettleSeconds { get; init; } = 11;

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Positive() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{name} needs a positive integer");
            options = name switch
            {
                "--seconds" => options with { Seconds = Positive() },
                "--callers" => options with { Callers = Positive() },
                "--strategy" => options with { Strategy = Value() },
                "--nodes" => options with { Nodes = Positive() },
                "--warmup" => options with { WarmupSeconds = Positive() },
                "--settle" => options with { SettleSeconds = Positive() },
                "--codec" => options with { CodecOnly = true },
                "--groups" => options with
                {
                    GroupSizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Distinct().ToArray(),
                },
                "-h" or "--help" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"Unknown option '{name}'.\n{Usage}"),
            };
        }
        if (!new StrategyRegistry().Contains(options.Strategy))
            throw new ArgumentException($"Unknown strategy '{options.Strategy}'. Known: {string.Join(", ", new StrategyRegistry().Names.Order())}.");
        return options;
    }

    public const string Usage =
        "Usage: Router.Bench [--seconds 10] [--callers 64] [--strategy least-busy] [--nodes 3] [--groups 10,100,1000] [--warmup 5] [--settle 11] | --codec";
}
