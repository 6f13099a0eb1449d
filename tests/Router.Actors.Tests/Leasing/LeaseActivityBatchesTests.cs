using Router.Actors.Leasing;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Leasing;

/// <summary>One flush's activity is cut into messages small enough to stay off the large-object heap, and an endpoint
/// applying the parts in order ends where it would with one message.</summary>
public class LeaseActivityBatchesTests
{
    private static AcquireLease Grant(string endpoint, int i) => new(endpoint, $"{endpoint}-g{i}", TimeSpan.FromSeconds(30));

    private static ReportOutcome End(string endpoint, int i) => new(endpoint, $"{endpoint}-e{i}", OutcomeKind.Success);

    private static LeaseActivity Activity(string endpoint, int grants, int ends, int sparesWanted = 0) =>
        new(endpoint, Enumerable.Range(0, grants).Select(i => Grant(endpoint, i)).ToList(),
            Enumerable.Range(0, ends).Select(i => End(endpoint, i)).ToList(), sparesWanted, ["returned"], "holder", 7,
            AllowanceReturned: ["lot"]);

    [Fact]
    public void Small_activity_goes_in_one_message_unchanged()
    {
        var activities = new[] { Activity("a", 3, 2), Activity("b", 0, 0, sparesWanted: 4) };
        var batches = LeaseActivityBatches.Split(activities, maxEntries: 64).ToList();
        batches.Should().ContainSingle().Which.Endpoints.Should().Equal(activities);
    }

    [Fact]
    public void Large_activity_is_cut_into_bounded_messages_that_keep_every_grant_before_every_release_and_the_asks_last()
    {
        var activities = new[] { Activity("a", 150, 130, sparesWanted: 4), Activity("b", 5, 5) };
        var batches = LeaseActivityBatches.Split(activities, maxEntries: 64).ToList();

        batches.Should().OnlyContain(b => b.Endpoints.Sum(a => a.Granted.Count + a.Ended.Count) <= 64);
        var partsOfA = batches.SelectMany(b => b.Endpoints).Where(a => a.EndpointId == "a").ToList();
        var applied = partsOfA.SelectMany(p => p.Granted.Select(g => g.LeaseId).Concat(p.Ended.Select(e => e.LeaseId))).ToList();
        applied.Should().Equal(activities[0].Granted.Select(g => g.LeaseId).Concat(activities[0].Ended.Select(e => e.LeaseId)),
            "applied part after part, each grants first, the order is that of the whole");
        partsOfA.SkipLast(1).Should().OnlyContain(p => p.SparesWanted == 0 && p.SparesReturned == null && p.AllowanceReturned == null && p.Holder == null);
        partsOfA[^1].Should().BeEquivalentTo(activities[0] with { Granted = partsOfA[^1].Granted, Ended = partsOfA[^1].Ended },
            "the asks and give-backs come with the last part, after the uses they follow");
        batches.SelectMany(b => b.Endpoints).Where(a => a.EndpointId == "b").Should().ContainSingle().Which.Should().Be(activities[1]);
        batches.Sum(b => b.Endpoints.Sum(a => a.Granted.Count + a.Ended.Count)).Should().Be(290, "nothing is lost or repeated");
    }
}
