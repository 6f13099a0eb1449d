#!/usr/bin/env bash
# One naming family for settings (issue 12). Re-runnable after a merge: it renames whatever still uses the old names.
#   *Options  = a class bound from .NET configuration in Router.Node (one per section: NodeOptions, RouterOptions, ...).
#   *Settings = validated values the routing core runs on (RouterClusterSettings, RoutingSettings, EndpointSettings, ...).
#   Endpoint shapes: EndpointOptions (configuration) -> EndpointDefinition (the one wire record, unchanged; admin copy
#   EndpointDefinitionDto) -> UpdateEndpoint (the one wire patch, unchanged; admin body UpdateEndpointRequest).
# Wire records keep their names (manifests unchanged); configuration keys come from property names, which do not change.
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
mv_if() { if [ -e "$1" ]; then git mv "$1" "$2"; fi; }
mv_if src/Router.Node/Configuration/NodeSettings.cs          src/Router.Node/Configuration/NodeOptions.cs
mv_if src/Router.Node/Configuration/NodeSettingsValidator.cs src/Router.Node/Configuration/NodeOptionsValidator.cs
mv_if src/Router.Node/Configuration/NodeOptionsFactory.cs    src/Router.Node/Configuration/RouterClusterSettingsFactory.cs
mv_if src/Router.Node/Observability/TelemetrySettings.cs     src/Router.Node/Observability/TelemetryOptions.cs
mv_if src/Router.Actors/Hosting/RouterClusterOptions.cs      src/Router.Actors/Hosting/RouterClusterSettings.cs
OLD='NodeOptionsFactory|RouterClusterOptions|NodeSettingsValidator|NodeSettings|GatewaySettings|ClusterSettings|RouterSettings|ModelGroupSettings|EndpointConfig|AdminSettings|RegistrySettings|TelemetrySettings|EndpointPatch'
git grep -lzwE "$OLD" -- '*.cs' '*.md' | xargs -0 -r sed -i -E \
  -e 's/\bNodeOptionsFactory\b/RouterClusterSettingsFactory/g' \
  -e 's/\bRouterClusterOptions\b/RouterClusterSettings/g' \
  -e 's/\bNodeSettingsValidator\b/NodeOptionsValidator/g' \
  -e 's/\bNodeSettings\b/NodeOptions/g' \
  -e 's/\bGatewaySettings\b/GatewayOptions/g' \
  -e 's/\bClusterSettings\b/NodeClusterOptions/g' \
  -e 's/\bRouterSettings\b/RouterOptions/g' \
  -e 's/\bModelGroupSettings\b/ModelGroupOptions/g' \
  -e 's/\bEndpointConfig\b/EndpointOptions/g' \
  -e 's/\bAdminSettings\b/AdminOptions/g' \
  -e 's/\bRegistrySettings\b/RegistryOptions/g' \
  -e 's/\bTelemetrySettings\b/TelemetryOptions/g' \
  -e 's/\bEndpointPatch\b/UpdateEndpointRequest/g'
