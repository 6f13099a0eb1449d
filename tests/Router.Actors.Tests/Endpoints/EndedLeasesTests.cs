using Router.Actors.Endpoints;

namespace Router.Actors.Tests.Endpoints;

public class EndedLeasesTests
{
    private static readonly DateTimeOffset Start = new(2026, 1, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Horizon = TimeSpan.FromSeconds(20);

    [Fact]
    public void An_id_is_remembered_for_at_least_one_horizon_and_forgotten_within_two()
    {
        var ended = new EndedLeases(Horizon);
        var id = Guid.NewGuid().ToString("N");
        ended.Add(id, Start);

        ended.Add("other-1", Start + Horizon - TimeSpan.FromSeconds(1));
        ended.Contains(id).Should().BeTrue();
        ended.Add("other-2", Start + Horizon); // the first generation becomes the previous one
        ended.Contains(id).Should().BeTrue("it is less than two horizons old");
        ended.Add("other-3", Start + 2 * Horizon);
        ended.Contains(id).Should().BeFalse("two horizons later its generation is dropped");
        ended.Contains("other-2").Should().BeTrue();
    }

    [Fact]
    public void Ids_in_any_form_are_told_apart()
    {
        var ended = new EndedLeases(Horizon);
        var guid = Guid.NewGuid();
        ended.Add(guid.ToString("N"), Start);
        ended.Add("lease-7", Start);

        ended.Contains(guid.ToString("N")).Should().BeTrue();
        ended.Contains(Guid.NewGuid().ToString("N")).Should().BeFalse();
        ended.Contains("lease-7").Should().BeTrue();
        ended.Contains("lease-8").Should().BeFalse();
    }

    [Fact]
    public void Every_id_added_is_found_while_the_set_grows_and_no_other_is()
    {
        // The ids are looked up in a bitmap first, rebuilt larger as the set grows: none may be lost on the way.
        var ended = new EndedLeases(Horizon);
        var added = Enumerable.Range(0, 50_000).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        for (var i = 0; i < added.Count; i++)
        {
            ended.Add(added[i], Start);
            if ((i & (i + 1)) == 0) // after each power of two: the first ids survive every rebuild
                added.Take(i + 1).Should().OnlyContain(id => ended.Contains(id));
        }

        added.Should().OnlyContain(id => ended.Contains(id));
        Enumerable.Range(0, 50_000).Select(_ => Guid.NewGuid().ToString("N")).Should().NotContain(id => ended.Contains(id));
    }

    [Fact]
    public void A_dropped_generation_forgets_its_ids_and_the_next_one_finds_its_own()
    {
        var ended = new EndedLeases(Horizon);
        var old = Enumerable.Range(0, 1_000).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var id in old) ended.Add(id, Start);
        ended.Add("rotate-1", Start + Horizon);
        var recent = Enumerable.Range(0, 1_000).Select(_ => Guid.NewGuid().ToString("N")).ToList();
        foreach (var id in recent) ended.Add(id, Start + 2 * Horizon); // the generation of "old" is dropped and reused

        old.Should().NotContain(id => ended.Contains(id));
        recent.Should().OnlyContain(id => ended.Contains(id));
    }

    [Fact]
    public void Memory_is_bounded_at_any_release_rate()
    {
        var ended = new EndedLeases(Horizon, generationLimit: 1_000);
        for (var i = 0; i < 10_000; i++) ended.Add(Guid.NewGuid().ToString("N"), Start);

        ended.Count.Should().BeLessThanOrEqualTo(2_000);
    }
}
