using Akka.Actor;
using Router.Actors.Hosting;
using Router.Messages.Endpoints;
using Router.Messages.Routing;

namespace Router.Actors.Tests.Hosting;

/// <summary>The reply of a routing decision asked on this node: the caller gets the first answer, and a grant nobody
/// takes (it came after the caller gave up) is handed back to be released, never kept.</summary>
public sealed class RouteReplyTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("route-reply");
    private readonly List<LeaseGranted> _released = [];

    private RouteReply NewReply()
    {
        var provider = ((ExtendedActorSystem)_system).Provider;
        return new RouteReply(provider.TempPath(), provider, _released.Add);
    }

    private static LeaseGranted Grant(string id) =>
        new(new Lease(id, "e1", "g", "http://x", DateTimeOffset.UtcNow.AddMinutes(1)), 1);

    [Fact]
    public async Task The_caller_gets_the_first_answer_told_to_it()
    {
        var reply = NewReply();
        reply.Tell(Grant("l1"), ActorRefs.NoSender);
        (await reply.Answer).Should().BeOfType<LeaseGranted>().Which.Lease.LeaseId.Should().Be("l1");
        _released.Should().BeEmpty();
    }

    [Fact]
    public async Task A_grant_after_the_caller_gave_up_is_released_and_one_that_came_first_is_the_callers()
    {
        var late = NewReply();
        late.GiveUp();
        late.Tell(Grant("late"), ActorRefs.NoSender);
        (await late.Answer).Should().BeSameAs(RouteReply.GaveUp);

        var first = NewReply();
        first.Tell(Grant("first"), ActorRefs.NoSender); // answered just before the caller's time limit ran out
        first.GiveUp();
        (await first.Answer).Should().BeOfType<LeaseGranted>("the caller takes it (and reports it as any grant)");

        var refused = NewReply();
        refused.GiveUp();
        refused.Tell(new NoEndpointAvailable("g", NoEndpointReason.AllAtCapacity, "busy", null), ActorRefs.NoSender);

        _released.Select(g => g.Lease.LeaseId).Should().Equal("late");
    }

    public void Dispose() => _system.Dispose();
}
