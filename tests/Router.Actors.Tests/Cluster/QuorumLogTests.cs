using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Hosting;
using Router.Actors.Membership;

namespace Router.Actors.Tests.Cluster;

/// <summary>The quorum monitor says when this gateway loses and regains the majority, once each, with the gap.</summary>
public class QuorumLogTests : TestKit
{
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RouterRuntime _runtime;

    public QuorumLogTests() : base("""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.cluster.roles = [gateway]
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        """)
    {
        _runtime = new RouterRuntime(new RouterClusterSettings { Clock = _clock });
    }

    [Fact]
    public void A_node_that_was_paused_past_the_authority_ttl_logs_quorum_lost_then_regained()
    {
        EventFilter.Info(contains: "Quorum reached: 1 of 1 gateway(s) answered").ExpectOne(TimeSpan.FromSeconds(20), () =>
        {
            Sys.ActorOf(Props.Create(() => new QuorumMonitorActor(_runtime)));
            var cluster = Akka.Cluster.Cluster.Get(Sys);
            cluster.Join(cluster.SelfAddress);
        });
        _runtime.Quorum.HasMajority.Should().BeTrue();

        // As after a freeze: the last confirmation is older than the authority TTL when the monitor next looks.
        EventFilter.Warning(contains: "Quorum lost: no majority of the 1 gateway(s) answered for 5 s").ExpectOne(() =>
            EventFilter.Info(contains: "Quorum regained: 1 of 1 gateway(s) answered, after 5 s without a majority").ExpectOne(() =>
                _clock.Advance(TimeSpan.FromSeconds(5))));
    }
}
