namespace Router.Messages.Endpoints;

/// <summary>
/// Gateway to gateway, every quorum interval: "can you hear me?". A node whose round is answered by a majority of
/// the gateways may act as an endpoint authority for a while; one that is cut off or was frozen may not.
/// </summary>
public sealed record QuorumPing(long Round) : IRouterMessage;

public sealed record QuorumPong(long Round) : IRouterMessage;
