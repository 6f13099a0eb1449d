using Router.Messages.Endpoints;

namespace Router.Actors.Strategies;

/// <summary>
/// One round of a large group's weighted turns, built once per directory version: an endpoint of weight w has w turns
/// a round, evenly spaced, and the j-th of the m endpoints sharing that weight starts (j + 1/2)/m of a spacing in, so
/// its k-th turn is at (k + (j + 1/2)/m) / w of the round (ties in group order). Weights 3:1 give a, a, b, a as the
/// smooth weighted round-robin does; equal weights give group order; and neither a heavy endpoint's turns nor the many
/// light ones' come in a burst.
/// </summary>
internal sealed class WeightedTurns
{
    /// <summary>The longest round built (after dividing the weights by their greatest common divisor): 1 MiB each for
    /// the order and the index. A group whose round is longer is looked at whole on every decision instead.</summary>
    public const int MaxTurns = 1 << 18;

    private readonly int[] _order;  // turn → group position
    private readonly int[] _turnsOf; // each position's turns, ascending, at _starts[p] .. _starts[p + 1]
    private readonly int[] _starts;

    private WeightedTurns(int[] order, int[] turnsOf, int[] starts) => (_order, _turnsOf, _starts) = (order, turnsOf, starts);

    /// <summary>The turns in a round.</summary>
    public int Length => _order.Length;

    /// <summary>The group position whose turn <paramref name="turn"/> is.</summary>
    public int PositionAt(int turn) => _order[turn];

    /// <summary>How many turns from <paramref name="from"/> (counting it as 0, wrapping round) until <paramref name="position"/>'s
    /// next one; -1 when it has none (a weight of 0, or a position this round does not know).</summary>
    public int TurnsUntil(int position, int from)
    {
        if ((uint)position >= (uint)(_starts.Length - 1)) return -1;
        var (first, end) = (_starts[position], _starts[position + 1]);
        if (first == end) return -1;
        var at = Array.BinarySearch(_turnsOf, first, end - first, from);
        if (at < 0) at = ~at;
        return at < end ? _turnsOf[at] - from : _turnsOf[first] + Length - from;
    }

    /// <summary>The round for <paramref name="weights"/> (one per group position; 0 for none), or null when it would be longer
    /// than <see cref="MaxTurns"/>.</summary>
    public static WeightedTurns? Build(IReadOnlyList<int> weights)
    {
        var divisor = 0;
        foreach (var w in weights) divisor = GreatestCommonDivisor(divisor, w);
        if (divisor == 0) return null;
        long length = 0;
        foreach (var w in weights) length += w / divisor;
        if (length > MaxTurns) return null;

        // Each endpoint's place among those of its weight (j of m): its turns are at (2(km + j) + 1) / 2wm, exactly.
        var reduced = weights.Select(w => w / divisor).ToArray();
        var sharing = reduced.CountBy(w => w).ToDictionary(c => c.Key, c => c.Value);
        var seen = new Dictionary<int, int>();
        var place = reduced.Select(w => seen[w] = seen.GetValueOrDefault(w) + 1).Select(j => j - 1).ToArray();

        // Merge every endpoint's evenly spaced turns in time order.
        var next = new PriorityQueue<int, Turn>(weights.Count);
        var taken = new int[weights.Count];
        for (var p = 0; p < weights.Count; p++)
            if (reduced[p] > 0) next.Enqueue(p, TurnOf(p, 0));
        var order = new int[length];
        for (var t = 0; t < order.Length; t++)
        {
            var p = next.Dequeue();
            order[t] = p;
            if (++taken[p] < reduced[p]) next.Enqueue(p, TurnOf(p, taken[p]));
        }

        var starts = new int[weights.Count + 1];
        for (var p = 0; p < weights.Count; p++) starts[p + 1] = starts[p] + reduced[p];
        var turnsOf = new int[length];
        var filled = (int[])starts.Clone();
        for (var t = 0; t < order.Length; t++) turnsOf[filled[order[t]]++] = t;
        return new WeightedTurns(order, turnsOf, starts);

        Turn TurnOf(int p, int k)
        {
            long m = sharing[reduced[p]];
            return new Turn(2 * (k * m + place[p]) + 1, 2 * reduced[p] * m, p);
        }
    }

    /// <summary>The weights a group's endpoints take turns by: their configured weight (0 when negative), or 1 each when all are 0.</summary>
    public static int[] WeightsOf(IReadOnlyList<EndpointDefinition> endpoints)
    {
        var weights = endpoints.Select(e => Math.Max(0, e.Weight)).ToArray();
        return weights.Any(w => w > 0) ? weights : [.. weights.Select(_ => 1)];
    }

    private static int GreatestCommonDivisor(int a, int b)
    {
        while (b != 0) (a, b) = (b, a % b);
        return a;
    }

    /// <summary>A turn's time in the round, Numerator / Denominator, compared exactly; ties go to the earlier position.</summary>
    private readonly record struct Turn(long Numerator, long Denominator, int Position) : IComparable<Turn>
    {
        public int CompareTo(Turn other)
        {
            var byTime = (Numerator * other.Denominator).CompareTo(other.Numerator * Denominator);
            return byTime != 0 ? byTime : Position.CompareTo(other.Position);
        }
    }
}
