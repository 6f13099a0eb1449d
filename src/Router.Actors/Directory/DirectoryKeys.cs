using Akka.DistributedData;
using Router.Messages.Endpoints;
using Router.Messages.Registry;

namespace Router.Actors.Directory;

/// <summary>
/// The two Distributed Data maps of the replicated endpoint directory: written only by the registry singleton, followed
/// on every node by <see cref="DirectoryFollowerActor"/>.
/// </summary>
internal static class DirectoryKeys
{
    // Keyed by DirectoryEntryId (see there why not string). The names carry the key type: a node keyed by strings
    // (an older version) must never merge its map into these.
    internal static readonly LWWDictionaryKey<DirectoryEntryId, EndpointDefinition> Endpoints = new("llm-router-directory-endpoints");
    internal static readonly LWWDictionaryKey<DirectoryEntryId, ModelGroupDefinition> Groups = new("llm-router-directory-groups");
}
