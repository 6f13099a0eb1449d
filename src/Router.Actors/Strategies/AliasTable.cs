namespace Router.Actors.Strategies;

/// <summary>
/// Draws an index in proportion to its weight in constant time (Vose's alias method), for
/// <see cref="WeightedRandomStrategy"/> in a large group: a binary search over cumulative weights took about 50 ns a draw
/// at 1,000 endpoints, most of a shortlist's cost. Each column holds one index's share and, above it, an alias.
/// </summary>
internal sealed class AliasTable
{
    private readonly double[] _keep;  // per column: the chance the draw keeps the column's own index
    private readonly int[] _alias;    // per column: the index drawn otherwise

    /// <param name="weights">At least one above 0; none below 0.</param>
    public AliasTable(IReadOnlyList<double> weights)
    {
        var n = weights.Count;
        var total = weights.Sum();
        _keep = new double[n];
        _alias = new int[n];
        var scaled = weights.Select(w => w * n / total).ToArray();
        var small = new Stack<int>();
        var large = new Stack<int>();
        for (var i = 0; i < n; i++) (scaled[i] < 1 ? small : large).Push(i);
        while (small.Count > 0 && large.Count > 0)
        {
            var (under, over) = (small.Pop(), large.Pop());
            (_keep[under], _alias[under]) = (scaled[under], over);
            scaled[over] -= 1 - scaled[under];
            (scaled[over] < 1 ? small : large).Push(over);
        }
        // What remains is 1 up to rounding: kept whole.
        foreach (var i in large.Concat(small)) (_keep[i], _alias[i]) = (1, i);
    }

    /// <summary>The index for <paramref name="uniform"/>, a number in [0, 1): its whole part over the columns picks one, the
    /// fraction left decides between the column's index and its alias.</summary>
    public int Draw(double uniform)
    {
        var scaled = uniform * _keep.Length;
        var column = Math.Min((int)scaled, _keep.Length - 1);
        return scaled - column < _keep[column] ? column : _alias[column];
    }
}
