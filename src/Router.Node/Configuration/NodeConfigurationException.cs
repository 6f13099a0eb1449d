namespace Router.Node.Configuration;

/// <summary>The configuration cannot run a node; the message lists every problem with its key.</summary>
public sealed class NodeConfigurationException(IReadOnlyList<string> problems)
    : Exception(problems.Count == 1
        ? "The node's configuration is invalid: " + problems[0] // one problem, one line
        : "The node's configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)))
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
