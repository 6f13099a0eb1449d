using System.Globalization;
using Router.Actors.Strategies;

namespace Router.Bench;

/// <summary>
/// Command line: --seconds N --callers N --hold-ms N --strategy NAME[,NAME…]|all --nodes N --groups 10,100,1000
/// --warmup N --settle N --sessions N --freeze-at S --freeze-ms N, or --codec, or --selection (with --strategy, --groups, --seconds, --sessions).
/// </summary>
public sealed record BenchOptions
{
    public int Seconds { get; init; } = 10;
    public int Callers { get; init; } = 256;

    /// <summary>
    /// How long a caller holds each lease before releasing it: a simulated request. Real LLM requests last far longer
    /// than a network round trip; with zero-length leases (0) a lease on a remote endpoint is held a round trip longer
    /// than a local one, so least-busy rightly sees remote endpoints as busier and the spread measures that artefact.
    /// </summary>
    public int HoldMs { get; init; } = 10;

    public IReadOnlyList<string> Strategies { get; init; } = [LeastBusyStrategy.StrategyName];
    public int Nodes { get; init; } = 3;
    public IReadOnlyList<int> GroupSizes { get; init; } = [10, 100, 1000];

    /// <summary>Distinct session keys the callers draw from (session affinity hashes them; other strategies ignore them).</summary>
    public int Sessions { get; init; } = 10_000;

    /// <summary>Freeze the whole process (SIGSTOP, then SIGCONT) this many seconds into each measurement; 0: never.</summary>
    public double FreezeAtSeconds { get; init; }

    /// <summary>How long the freeze lasts: a stand-in for a long GC pause or a VM that was descheduled.</summary>
    public int FreezeMs { get; init; }

    /// <summary>Only compare the snapshot gossip's binary form with JSON (--codec), then exit.</summary>
    public bool CodecOnly { get; init; }

    /// <summary>Only time a decision's own work, candidate selection and pick, on one thread (--selection), then exit.</summary>
    public bool SelectionOnly { get; init; }

    /// <summary>Longest warm-up per group; it ends earlier once every endpoint has been leased (after at least 2 s).</summary>
    public int WarmupSeconds { get; init; } = 5;

    /// <summary>How long no shard may move before load starts: just over the coordinator's 10 s rebalance interval.</summary>
    public int SettleSeconds { get; init; } = 11;

    /// <summary>Print the types each group allocated most, sampled from the runtime's allocation ticks.</summary>
    public bool AllocationTypes { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        var known = new StrategyRegistry().Names.Order(StringComparer.Ordinal).ToArray();
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{name} needs a value");
            int Positive() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n > 0
                ? n : throw new ArgumentException($"{name} needs a positive integer");
            int NonNegative() => int.TryParse(Value(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0
                ? n : throw new ArgumentException($"{name} needs an integer >= 0");
            options = name switch
            {
                "--seconds" => options with { Seconds = Positive() },
                "--callers" => options with { Callers = Positive() },
                "--hold-ms" => options with { HoldMs = NonNegative() },
                "--strategy" or "--strategies" => options with { Strategies = ParseStrategies(Value(), known) },
                "--nodes" => options with { Nodes = Positive() },
                "--warmup" => options with { WarmupSeconds = Positive() },
                "--settle" => options with { SettleSeconds = Positive() },
                "--sessions" => options with { Sessions = Positive() },
                "--freeze-at" => options with { FreezeAtSeconds = double.Parse(Value(), CultureInfo.InvariantCulture) },
                "--freeze-ms" => options with { FreezeMs = NonNegative() },
                "--codec" => options with { CodecOnly = true },
                "--selection" => options with { SelectionOnly = true },
                "--alloc-types" => options with { AllocationTypes = true },
                "--groups" => options with
                {
                    GroupSizes = Value().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                        .Select(s => int.Parse(s, CultureInfo.InvariantCulture)).Distinct().ToArray(),
                },
                "-h" or "--help" => throw new ArgumentException(Usage),
                _ => throw new ArgumentException($"Unknown option '{name}'.\n{Usage}"),
            };
        }
        return options;
    }

    private static string[] ParseStrategies(string value, string[] known)
    {
        if (string.Equals(value, "all", StringComparison.OrdinalIgnoreCase)) return known;
        var names = value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.OrdinalIgnoreCase).ToArray();
        foreach (var name in names)
            if (!known.Contains(name, StringComparer.OrdinalIgnoreCase))
                throw new ArgumentException($"Unknown strategy '{name}'. Known: {string.Join(", ", known)}, or all.");
        return names;
    }

    public const string Usage =
        "Usage: Router.Bench [--seconds 10] [--callers 256] [--hold-ms 10] [--strategy least-busy|NAME,NAME|all] [--nodes 3] " +
        "[--groups 10,100,1000] [--sessions 10000] [--warmup 5] [--settle 11] [--freeze-at S --freeze-ms N] [--alloc-types] | --codec | --selection";
}
