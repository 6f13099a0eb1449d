namespace Router.Messages;

/// <summary>
/// Marker for every message of the router's wire contract. Akka binds this interface to
/// <see cref="Serialization.RouterMessageSerializer"/>, so nothing on the wire falls back to
/// Akka's default (Newtonsoft) serializer.
/// </summary>
public interface IRouterMessage;

/// <summary>Messages addressed to one endpoint's sharded <c>EndpointActor</c>.</summary>
public interface IWithEndpointId : IRouterMessage
{
    string EndpointId { get; }
}
