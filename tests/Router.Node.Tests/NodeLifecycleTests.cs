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

    [Fact]
    public async Task A_node_whose_host_has_already_run_to_its_end_disposes_without_error()
    {
        var gateway = await TestGateway.StartAsync(s => s.Sim("a").Group("m").Endpoint("m", "m-a", "a"));
        // What RunAsync does when the host stops (Program.cs then disposes the node): stop, then dispose the services.
        await gateway.Node.App.StopAsync();
        await gateway.Node.App.DisposeAsync();

        var dispose = async () => await gateway.DisposeAsync();

        await dispose.Should().NotThrowAsync("an exception here escapes Program's Main, and the process aborts (exit code 134)");
    }
}
