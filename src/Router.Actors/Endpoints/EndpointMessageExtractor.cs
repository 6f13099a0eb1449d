using Akka.Cluster.Sharding;
using Router.Messages;

namespace Router.Actors.Endpoints;

/// <summary>Routes <see cref="IWithEndpointId"/> messages to the endpoint's entity; the shard count is fixed for the cluster's life.</summary>
public sealed class EndpointMessageExtractor(int maxNumberOfShards) : HashCodeMessageExtractor(maxNumberOfShards)
{
    // StartEntity and ShardingEnvelope are handled by the base class.
    public override string? EntityId(object message) => (message as IWithEndpointId)?.EndpointId;
}
