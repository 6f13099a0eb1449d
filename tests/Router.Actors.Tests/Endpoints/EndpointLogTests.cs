using Akka.Actor;
using Akka.TestKit.Xunit2;
using Microsoft.Extensions.Time.Testing;
using Router.Actors.Directory;
using Router.Actors.Endpoints;
using Router.Actors.Hosting;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Endpoints;

/// <summary>
/// An endpoint actor's operator lines, seen through Akka's log (no host here, so that is where they go): one line per
/// breaker transition, each naming the endpoint and saying why.
/// </summary>
public class EndpointLogTests : TestKit
{
    private static readonly EndpointSettings Settings = new() { FailureThreshold = 2, Cooldown = TimeSpan.FromSeconds(30) };
    private readonly FakeTimeProvider _clock = new(new DateTimeOffset(2026, 1, 1, 12, 0, 0, TimeSpan.Zero));
    private readonly RouterRuntime _runtime;
    private readonly IActorRef _endpoint;

    public EndpointLogTests() : base("""
        akka.loglevel = INFO
        akka.actor.provider = cluster
        akka.remote.dot-netty.tcp.port = 0
        akka.remote.dot-netty.tcp.hostname = 127.0.0.1
        """)
    {
        _runtime = new RouterRuntime(new RouterClusterSettings { Clock = _clock, Endpoint = Settings });
        _runtime.Directory.Publish(new DirectorySnapshot([new ModelGroupDefinition("g")], [new EndpointDefinition("e1", "g", "http://localhost:1")]));
        _runtime.Quorum.Confirm(_clock.GetTimestamp());
        _endpoint = Sys.ActorOf(Props.Create(() => new EndpointActor("e1", _runtime, CreateTestProbe().Ref)));
    }

    private void Acquire(string leaseId)
    {
        _endpoint.Tell(new AcquireLease("e1", leaseId, TimeSpan.FromMinutes(5), 0, "holder"));
        ExpectMsg<LeaseAcquired>();
    }

    /// <summary>Reports a failure and waits until the actor has taken it in (before the test moves the clock).</summary>
    private CircuitState Fail(string leaseId)
    {
        _endpoint.Tell(new ReportOutcome("e1", leaseId, OutcomeKind.ServerError));
        _endpoint.Tell(new GetEndpointState("e1"));
        return ExpectMsg<EndpointState>().Snapshot.Circuit;
    }

    private void CoolDown()
    {
        _clock.Advance(Settings.Cooldown);
        _runtime.Quorum.Confirm(_clock.GetTimestamp()); // still in the majority after the wait
    }

    [Fact]
    public void The_breaker_logs_one_line_as_it_opens_goes_half_open_and_closes_each_naming_the_endpoint()
    {
        EventFilter.Warning(contains: "Endpoint e1 breaker opened: 2 consecutive failure(s), the last ServerError; refusing requests for 30 s").ExpectOne(() =>
        {
            Acquire("l1");
            Fail("l1"); // one failure of two: still closed, no line
            Acquire("l2");
            Fail("l2").Should().Be(CircuitState.Open);
        });

        CoolDown();
        EventFilter.Info(contains: "Endpoint e1 breaker half-open, 30 s after it opened").ExpectOne(() => Acquire("probe"));
        EventFilter.Info(contains: "Endpoint e1 breaker closed: the probe succeeded, 30 s after it opened").ExpectOne(() =>
        {
            _endpoint.Tell(new ReportOutcome("e1", "probe", OutcomeKind.Success));
            _endpoint.Tell(new GetEndpointState("e1"));
            ExpectMsg<EndpointState>().Snapshot.Circuit.Should().Be(CircuitState.Closed);
        });
    }

    [Fact]
    public void A_failed_probe_logs_that_the_breaker_opened_again_and_why()
    {
        Acquire("l1");
        Fail("l1");
        Acquire("l2");
        Fail("l2");
        CoolDown();
        Acquire("probe");

        EventFilter.Warning(contains: "Endpoint e1 breaker opened: the half-open probe failed, the last Timeout").ExpectOne(() =>
            _endpoint.Tell(new ReportOutcome("e1", "probe", OutcomeKind.Timeout)));
    }
}
