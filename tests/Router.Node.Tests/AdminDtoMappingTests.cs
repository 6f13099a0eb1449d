using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;
using Router.AdminApi;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Node.Admin;

namespace Router.Node.Tests;

/// <summary>
/// The admin API's DTOs (Router.AdminApi, no Akka) mirror the wire records the node holds (Router.Messages): an admin
/// must see exactly the JSON the wire record would give, and a member added to one must be added to the other.
/// </summary>
public sealed class AdminDtoMappingTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 26, 3, 4, 5, 678, TimeSpan.Zero);

    /// <summary>Every member set to something other than its default, so a member the mapping drops shows.</summary>
    private static readonly EndpointDefinition Definition = new(
        "azure-eu", "gpt-4o", "https://eu.example.com/openai/v1", "AZURE_EU_KEY", "gpt-4o-2024-08-06", 2, 10, 600, 90_000, 1,
        ["eu", "prod"], 128_000, 0.0025, 0.01, true, UpstreamAuth.ApiKey, "2024-10-21",
        new Dictionary<string, string> { ["OpenAI-Organization"] = "OPENAI_ORG" }, LeaseFencing.Strict);

    private static readonly EndpointSnapshot Snapshot = new(
        "azure-eu", 638_999_000_000_000_000, 42, At, 7, 21, new WindowStats(100, 455.5, 420, 910), new WindowStats(80, 120.25, 110, 300),
        At.AddSeconds(-1), 55, 12_345, CircuitState.HalfOpen, At.AddSeconds(30), 2, true, 1000, 12, 499, 149_000, 500, 150_000,
        new Dictionary<string, int> { ["akka.tcp://llm-router@10.0.0.5:4053#123"] = 7 },
        new Dictionary<string, DateTimeOffset> { ["akka.tcp://llm-router@10.0.0.5:4053#123"] = At.AddMinutes(5) });

    [Fact]
    public void An_endpoint_definition_has_the_wire_records_json() =>
        JsonSerializer.Serialize(Definition.ToDto(), AdminApiJson.Options)
            .Should().Be(JsonSerializer.Serialize(Definition, AdminApiJson.Options));

    [Fact]
    public void An_endpoint_snapshot_has_the_wire_records_json() =>
        JsonSerializer.Serialize(Snapshot.ToDto(), AdminApiJson.Options)
            .Should().Be(JsonSerializer.Serialize(Snapshot, AdminApiJson.Options));

    [Fact]
    public void An_empty_snapshot_has_the_wire_records_json() =>
        JsonSerializer.Serialize(EndpointSnapshotDto.Empty("e"), AdminApiJson.Options)
            .Should().Be(JsonSerializer.Serialize(EndpointSnapshot.Empty("e"), AdminApiJson.Options));

    [Fact]
    public void A_posted_definition_reaches_the_registry_unchanged() =>
        Definition.ToDto().ToWire().Should().Be(Definition);

    [Theory]
    [InlineData(typeof(EndpointDefinition), typeof(EndpointDefinitionDto))]
    [InlineData(typeof(EndpointSnapshot), typeof(EndpointSnapshotDto))]
    [InlineData(typeof(WindowStats), typeof(WindowStatsDto))]
    public void Each_dto_has_the_wire_records_members_in_its_order(Type wire, Type dto) =>
        Members(dto).Should().Equal(Members(wire), $"a member added to {wire.Name} must be added to {dto.Name} and to AdminDtoMapping");

    [Fact]
    public void Every_enum_value_has_a_dto_of_the_same_name()
    {
        Enum.GetValues<CircuitState>().Select(s => s.ToDto().ToString()).Should().Equal(Enum.GetNames<CircuitState>());
        Enum.GetValues<LeaseFencing>().Select(f => f.ToDto().ToString()).Should().Equal(Enum.GetNames<LeaseFencing>());
        Enum.GetValues<LeaseFencing>().Select(f => f.ToDto().ToWire()).Should().Equal(Enum.GetValues<LeaseFencing>());
        Enum.GetNames<CircuitStateDto>().Should().Equal(Enum.GetNames<CircuitState>());
        Enum.GetNames<LeaseFencingDto>().Should().Equal(Enum.GetNames<LeaseFencing>());
    }

    [Fact]
    public void The_freshness_values_are_the_wires()
    {
        EndpointFreshness.Live.Should().Be(SnapshotFreshness.Live);
        EndpointFreshness.Stale.Should().Be(SnapshotFreshness.Stale);
        EndpointFreshness.Unreachable.Should().Be(SnapshotFreshness.Unreachable);
    }

    [Fact]
    public void A_fencing_number_outside_the_enum_is_refused() =>
        ((Action)(() => ((LeaseFencingDto)7).ToWire())).Should().Throw<AdminException>().Which.Status.Should().Be(400);

    private static List<string> Members(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => $"{p.Name}:{Shape(p.PropertyType)}")
            .ToList();

    /// <summary>A member's type with the DTO names folded into the wire's, so the two lists compare.</summary>
    private static string Shape(Type type) => type.ToString().Replace("Router.AdminApi.", "").Replace("Router.Messages.Endpoints.", "").Replace("Dto", "");
}
