using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster.Sharding;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Xunit.Abstractions;

namespace Router.Actors.Tests.Cluster;

/// <summary>
/// A group's state is answered within the deadline while a member is cut off: endpoints whose actors answer are live,
/// those on the cut-off member come from this node's pushed snapshots, marked and aged, never a failed listing. And a
/// management command that reaches the registry after its deadline changes nothing.
/// </summary>
[Collection(nameof(ClusterTests))]
public class PartialAnswerTests(ITestOutputHelper output)
{
    private static readonly EndpointDefinition[] Endpoints = Enumerable.Range(1, 12)
        .Select(i => new EndpointDefinition($"ep-{i:00}", "chat", $"http://10.0.0.{i}:8000"))
        .ToArray();

    /// <summary>Long enough that the resolver does not down the cut-off member while the test reads.</summary>
    private const string Hocon = Partitions.Hocon + "\nakka.cluster.split-brain-resolver.stable-after = 120s";

    [Fact]
    public async Task Endpoints_on_a_cut_off_member_are_answered_from_snapshots_marked_with_their_age_within_the_deadline()
    {
        await using var cluster = await TestCluster.StartAsync(3, TestCluster.Options("round-robin", Endpoints), Hocon);
        var (asker, other, cut) = (cluster[0], cluster[1], cluster[2]);
        await SnapshotTopic.WaitUntilKnownEverywhereAsync(asker.System, cluster.Nodes.Select(n => n.System));
        foreach (var endpoint in Endpoints) (await asker.StateOfAsync(endpoint.Id)).Definition.Should().NotBeNull();
        var onCut = await EndpointsHostedOn(cut);
        onCut.Should().NotBeEmpty("12 endpoints over 100 shards and 3 nodes put some on every node");
        // Every endpoint's actor has pushed a snapshot to the asker, so it knows each one's state and node.
        await Eventually.Until(() => Endpoints.All(e => asker.Runtime.Snapshots.Slot(e.Id).Snapshot.TakenAt != DateTimeOffset.MinValue
                                                             && asker.Runtime.LastKnownHome(e.Id) is not null),
            "the asker holds a snapshot of every endpoint");

        var deadline = TimeSpan.FromSeconds(1);
        var before = await ReadAsync(asker, deadline);
        before.State.Endpoints.Should().OnlyContain(e => e.Freshness == SnapshotFreshness.Live, "nothing is cut off yet");

        await Partitions.CutAsync([cut], [asker, other]);
        try
        {
            // At once (the failure detector has not spoken yet: the member is silent, as a frozen one is), then once it has.
            var early = await ReadAsync(asker, deadline);
            AssertPartial(early.State, onCut, cut, SnapshotFreshness.Stale, SnapshotFreshness.Unreachable);
            early.Elapsed.Should().BeLessThan(deadline + TimeSpan.FromSeconds(4), "the answer comes at the deadline, not at some ask's timeout");

            await Eventually.Until(() => asker.Cluster.State.Unreachable.Any(m => m.Address == cut.Address), "the asker sees the cut-off member unreachable");
            var late = await ReadAsync(asker, deadline);
            AssertPartial(late.State, onCut, cut, SnapshotFreshness.Unreachable);
            late.State.Endpoints.Where(e => onCut.Contains(e.Definition!.Id)).Should()
                .OnlyContain(e => e.Note!.Contains("unreachable from this node"));
            output.WriteLine($"group state with {onCut.Count} of {Endpoints.Length} endpoints cut off: {early.Elapsed.TotalMilliseconds:0} ms before the failure " +
                             $"detector marked the member, {late.Elapsed.TotalMilliseconds:0} ms after (deadline {deadline.TotalMilliseconds:0} ms)");
        }
        finally
        {
            await Partitions.HealAsync([cut], [asker, other]);
        }
        await Eventually.Until(() => cluster.Nodes.All(n => n.Cluster.State.Unreachable.IsEmpty), "the partition healed");
        await Eventually.Until(async () => (await ReadAsync(asker, deadline)).State.Endpoints.All(e => e.Freshness == SnapshotFreshness.Live),
            "every endpoint answers live again");
    }

    [Fact]
    public async Task A_command_that_reaches_the_registry_after_its_deadline_is_refused_and_changes_nothing()
    {
        await using var cluster = await TestCluster.StartAsync(1, TestCluster.Options("round-robin", Endpoints[0]));
        var node = cluster[0];

        var late = await node.Directory.Ask<ManagementResult>(new DrainEndpoint("ep-01") { NotAfter = DateTimeOffset.UtcNow.AddSeconds(-1) }, TimeSpan.FromSeconds(10));
        late.Succeeded.Should().BeFalse();
        late.Code.Should().Be(ManagementResult.Expired);
        late.Message.Should().Contain("after its deadline").And.Contain("nothing was changed");

        // In time, the same command lands; again, it is already in effect and writes nothing.
        var inTime = await node.Directory.Ask<ManagementResult>(new DrainEndpoint("ep-01") { NotAfter = DateTimeOffset.UtcNow.AddSeconds(10) }, TimeSpan.FromSeconds(10));
        inTime.Succeeded.Should().BeTrue(inTime.Message);
        await Eventually.Until(() => node.Runtime.Directory.Current.Endpoints["ep-01"].Drained, "the drain reached the directory");
        var retried = await node.Directory.Ask<ManagementResult>(new DrainEndpoint("ep-01") { NotAfter = DateTimeOffset.UtcNow.AddSeconds(10) }, TimeSpan.FromSeconds(10));
        retried.Succeeded.Should().BeTrue();
        retried.Message.Should().Contain("already so");
    }

    private static void AssertPartial(GroupState state, IReadOnlyCollection<string> onCut, TestNode cut, params string[] cutMarks)
    {
        state.Endpoints.Select(e => e.Definition!.Id).Should().BeEquivalentTo(Endpoints.Select(e => e.Id), "every endpoint is listed");
        foreach (var endpoint in state.Endpoints)
        {
            if (!onCut.Contains(endpoint.Definition!.Id))
            {
                endpoint.Freshness.Should().Be(SnapshotFreshness.Live, "{0} lives on a reachable node", endpoint.Definition.Id);
                continue;
            }
            endpoint.Freshness.Should().BeOneOf(cutMarks, "{0} lives on the cut-off node", endpoint.Definition.Id);
            endpoint.Node.Should().Be(cut.Address.ToString());
            endpoint.Snapshot.TakenAt.Should().NotBe(DateTimeOffset.MinValue, "its last pushed snapshot is shown");
            endpoint.Snapshot.EndpointId.Should().Be(endpoint.Definition.Id);
        }
    }

    private static async Task<(GroupState State, TimeSpan Elapsed)> ReadAsync(TestNode node, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        var state = await node.Directory.Ask<GroupState>(new GetGroupState("chat", deadline), TimeSpan.FromSeconds(30));
        return (state, watch.Elapsed);
    }

    private static async Task<List<string>> EndpointsHostedOn(TestNode node)
    {
        var state = await node.Region.Ask<CurrentShardRegionState>(GetShardRegionState.Instance, TimeSpan.FromSeconds(5));
        return state.Shards.SelectMany(s => s.EntityIds).ToList();
    }
}
