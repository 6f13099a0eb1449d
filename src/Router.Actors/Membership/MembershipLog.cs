using Microsoft.Extensions.Logging;

namespace Router.Actors.Membership;

/// <summary>Quorum lines (event ids 5000-5099): whether this gateway may act as an authority, one line per change.</summary>
internal static partial class MembershipLog
{
    [LoggerMessage(5001, LogLevel.Warning,
        "Quorum lost: no majority of the {Gateways} gateway(s) answered for {SinceSeconds:0.#} s (the last round had {Answers} of the {Needed} answers needed); " +
        "endpoints on this node grant nothing until it returns")]
    public static partial void QuorumLost(ILogger logger, int gateways, double sinceSeconds, int answers, int needed);

    [LoggerMessage(5002, LogLevel.Information,
        "Quorum regained: {Answers} of {Gateways} gateway(s) answered, after {LostSeconds:0.#} s without a majority")]
    public static partial void QuorumRegained(ILogger logger, int answers, int gateways, double lostSeconds);

    [LoggerMessage(5003, LogLevel.Information, "Quorum reached: {Answers} of {Gateways} gateway(s) answered; endpoints on this node may grant")]
    public static partial void QuorumReached(ILogger logger, int answers, int gateways);
}
