using Akka.Actor;
using Router.Node.Lifecycle;

namespace Router.Node.Tests;

/// <summary>When the end of a node's actor system is an unplanned stop (logged Critical, exit code 3 for a supervisor).</summary>
public sealed class NodeLifecycleTests
{
    [Fact]
    public async Task An_actor_system_ending_under_a_running_node_is_unplanned_but_not_when_the_node_is_disposed()
    {
        var system = ActorSystem.Create("lifecycle-test");
        await system.Terminate();

        var running = new NodeLifecycle();
        running.UnplannedEndOf(system).Should().Contain("its actor system shut down",
            "an actor system that ends while its node runs leaves a node that serves nothing: a supervisor should restart it");

        var disposed = new NodeLifecycle();
        disposed.BeginDisposing();
        disposed.UnplannedEndOf(system).Should().BeNull("disposing a node (tests, benchmarks, an embedding host) ends its actor system by design");
        disposed.IsStopping.Should().BeTrue("a node being disposed takes no new requests");
    }
}
