using Router.Messages.Routing;

namespace Router.Node.Gateway;

/// <summary>How one upstream attempt ended, as the gateway's retry loop and the endpoint's ledger need it.</summary>
/// <param name="ResponseSent">The client has its answer (success, pass-through error, or a stream that broke midway): stop.</param>
/// <param name="Failure">Why the attempt failed, when another endpoint may still serve the request.</param>
/// <param name="UpstreamAnswered">The failure is the upstream's own answer (429/5xx), not a connection or timeout.</param>
internal sealed record AttemptResult(OutcomeKind Kind, bool ResponseSent, UpstreamFailure? Failure, bool UpstreamAnswered = false)
{
    /// <summary>The client left. (A cancelled attempt with a failure was stopped by the gateway itself: its lease was revoked.)</summary>
    public bool ClientGone => Kind == OutcomeKind.Cancelled && Failure is null;
}
