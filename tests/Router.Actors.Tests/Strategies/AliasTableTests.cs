using Router.Actors.Strategies;

namespace Router.Actors.Tests.Strategies;

/// <summary>The constant-time weighted draw behind weighted-random in a large group.</summary>
public class AliasTableTests
{
    [Fact]
    public void Draws_each_index_in_proportion_to_its_weight_and_never_one_of_weight_zero()
    {
        double[] weights = [0, 1, 3, 0, 6, 0.5];
        var table = new AliasTable(weights);
        var random = new Random(4);
        const int Draws = 200_000;
        var counts = new int[weights.Length];
        for (var k = 0; k < Draws; k++) counts[table.Draw(random.NextDouble())]++;

        var total = weights.Sum();
        for (var i = 0; i < weights.Length; i++)
        {
            var expected = Draws * weights[i] / total;
            counts[i].Should().BeCloseTo((int)expected, (uint)(0.02 * expected), $"index {i} weighs {weights[i]}");
        }
    }

    [Fact]
    public void The_edges_of_the_unit_interval_draw_valid_indexes()
    {
        var table = new AliasTable([2, 0, 1]);
        table.Draw(0).Should().Be(0);
        table.Draw(Math.BitDecrement(1.0)).Should().BeOneOf(0, 2);
        table.Draw(0.4).Should().NotBe(1, "the middle column's share goes to its alias");
    }
}
