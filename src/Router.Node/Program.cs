using Router.Node;
using Router.Node.Configuration;

// Exit codes: 0 stopped, 2 the configuration cannot run (one line says what to fix), 3 downed by the cluster.
GatewayNode? started = null;
try
{
    await using var node = await GatewayNode.CreateAsync(args);
    started = node;
    await node.RunAsync();
    return node.ExitCode; // 3 when the cluster downed or removed this node
}
catch (NodeConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
catch (IOException e) when (started is not null && Listeners.DescribeBindFailure(e, started.Settings) is { } busy)
{
    // A port taken between the start-up check and Kestrel's bind.
    Console.Error.WriteLine("The node's configuration is invalid: " + busy);
    return 2;
}
