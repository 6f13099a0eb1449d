using Router.Messages.Serialization;

namespace Router.Actors.Tests.Cluster;

/// <summary>What crossed the network in this process, for tests that assert a message was (or was not) sent.</summary>
internal static class WireCounts
{
    /// <summary>Messages of one type serialized for the network since the process started (all in-process nodes together).</summary>
    public static long Sent(string message) => WireTraffic.Totals().Where(t => t.Message == message).Sum(t => t.Messages);
}
