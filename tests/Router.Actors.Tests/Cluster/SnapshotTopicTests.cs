using Router.Actors.Endpoints;

namespace Router.Actors.Tests.Cluster;

public sealed class SnapshotTopicTests
{
    /// <summary>
    /// Tests wait on the shared helper before they count on every node's snapshots; on another topic it would prove a
    /// subscription nobody publishes to and the wait would pass while the exchange still missed snapshots.
    /// </summary>
    [Fact]
    public void The_shared_wait_publishes_on_the_snapshot_exchanges_topic() =>
        SnapshotTopic.Name.Should().Be(SnapshotGossipActor.Topic);
}
