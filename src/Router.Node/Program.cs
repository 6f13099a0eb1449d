using Router.Node;
using Router.Node.Configuration;

try
{
    await using var node = await GatewayNode.CreateAsync(args);
    await node.RunAsync();
    return 0;
}
catch (NodeConfigurationException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}
