using Microsoft.Extensions.Logging;

namespace Router.Actors.Routing;

/// <summary>The routing core's lines (event ids 2000-2099): a strategy that misbehaved, once per decision it spoiled; a
/// grant that came too late to use.</summary>
internal static partial class RoutingLog
{
    [LoggerMessage(2001, LogLevel.Warning,
        "Strategy '{Strategy}' picked index {Picked}, outside the {Candidates} candidates of '{ModelGroup}'; using round-robin for this decision")]
    public static partial void StrategyPickedOutside(ILogger logger, string strategy, int picked, int candidates, string modelGroup);

    [LoggerMessage(2002, LogLevel.Warning,
        "Strategy '{Strategy}' failed for '{ModelGroup}' ({ExceptionType}: {Reason}); using round-robin for this decision")]
    public static partial void StrategyFailed(ILogger logger, string strategy, string modelGroup, string exceptionType, string reason);

    [LoggerMessage(2003, LogLevel.Warning,
        "Strategy '{Strategy}' could not shortlist '{ModelGroup}' ({Reason}); it is given the whole group for this decision")]
    public static partial void ShortlistFailed(ILogger logger, string strategy, string modelGroup, string reason);

    [LoggerMessage(2010, LogLevel.Information,
        "A grant on endpoint {EndpointId} from its replaced incarnation {Incarnation} arrived after this node told the successor what it holds; given back, and the successor asked instead")]
    public static partial void LateGrantGivenBack(ILogger logger, string endpointId, long incarnation);
}
