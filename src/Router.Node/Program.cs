using Router.Node;
using Router.Node.Configuration;

try
{
    await using var node = await GatewayNode.CreateAsync(args);
    await node.RunAsync();
    return node.ExitCode; // 3 when the cluster downed or removed this node
}
catch (NodeConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
