using Router.Messages;
using Router.Messages.Admin;
using Router.Messages.Endpoints;
using Router.Messages.Registry;
using Router.Messages.Routing;

namespace Router.Messages.Tests;

/// <summary>One fully populated instance of every wire message (nulls only where the message allows them).</summary>
public static class SampleMessages
{
    private static readonly DateTimeOffset At = new(2026, 11, 25, 10, 30, 15, 123, TimeSpan.Zero);

    public static readonly EndpointDefinition Endpoint = new(
        "azure-eu-1", "gpt-4o", "https://eu.example.com/openai", "AZURE_EU_KEY", "gpt-4o-2024-08-06",
        Weight: 3, MaxInFlight: 20, Rpm: 600, Tpm: 100_000, Order: 1, Tags: ["eu", "prod"], ContextWindow: 128_000,
        InputCostPer1KTokens: 0.0025, OutputCostPer1KTokens: 0.01, Drained: true,
        Auth: UpstreamAuth.ApiKey, ApiVersion: "2024-10-21",
        HeadersFromEnv: new Dictionary<string, string> { ["OpenAI-Organization"] = "OPENAI_ORG", ["x-tenant"] = "TENANT_HEADER" },
        Fencing: LeaseFencing.Strict);

    public static readonly ModelGroupDefinition Group = new("gpt-4o", "latency", ["gpt-4o-mini"], ["gpt-4o-long"]);

    public static readonly EndpointSnapshot Snapshot = new(
        "azure-eu-1", 638_999_000_000_000_000, 42, At, 3, 7,
        new WindowStats(100, 812.5, 790, 1400), new WindowStats(50, 210, 200, 380), At,
        120, 45_000, CircuitState.HalfOpen, At.AddSeconds(30), 2, false, 1234, 17,
        ProviderRemainingRequests: 88, ProviderRemainingTokens: 149_000, ProviderLimitRequests: 100, ProviderLimitTokens: 150_000);

    public static readonly Lease Lease = new("lease-1", "azure-eu-1", "gpt-4o", "https://eu.example.com/openai", At.AddMinutes(5), 1500);

    public static IEnumerable<IRouterMessage> All() =>
    [
        new RouteRequest("gpt-4o", "req-1", "session-9", 1500, ["eu"], ["azure-us-1"], true, TimeSpan.FromMinutes(2), "akka.tcp://llm-router@10.0.0.5:4053#99"),
        Lease,
        new LeaseGranted(Lease, 2, Incarnation: 639_000_000_000_000_000),
        new NoEndpointAvailable("gpt-4o", NoEndpointReason.AllRateLimited, "all over rpm", TimeSpan.FromSeconds(12)),
        new ReportOutcome("azure-eu-1", "lease-1", OutcomeKind.RateLimited, 830.5, 120.25, 1500, 300, TimeSpan.FromSeconds(5),
            new ProviderRateLimits(0, 12_000, TimeSpan.FromMilliseconds(20), TimeSpan.FromMinutes(6), 100, 150_000)),
        Endpoint,
        Group,
        Snapshot,
        new EndpointSnapshotBatch([Snapshot, Snapshot with { EndpointId = "azure-eu-2" }]),
        // Every optional part in the other state, and a time with an offset: the binary snapshot form keeps them all.
        new EndpointSnapshotBatch([EndpointSnapshot.Empty("idle"), Snapshot with
        {
            TakenAt = At.ToOffset(TimeSpan.FromHours(2)), InFlightByHolder = new Dictionary<string, int> { ["akka.tcp://llm-router@10.0.0.5:4053#1"] = 2, ["akka.tcp://llm-router@10.0.0.6:4053#2"] = 1 },
            LatestDeadlineByHolder = new Dictionary<string, DateTimeOffset>
                { ["akka.tcp://llm-router@10.0.0.5:4053#1"] = At.AddMinutes(5), ["akka.tcp://llm-router@10.0.0.6:4053#2"] = At.AddSeconds(30).ToOffset(TimeSpan.FromHours(-5)) },
            ProviderRemainingRequests = null, ProviderLimitTokens = null, Drained = true, Circuit = CircuitState.Open,
        }]),
        new AcquireLease("azure-eu-1", "lease-1", TimeSpan.FromMinutes(5), 1500, "akka.tcp://llm-router@10.0.0.5:4053"),
        new AcquireLease("azure-eu-1", "lease-1b", TimeSpan.FromMinutes(5), 1500, "akka.tcp://llm-router@10.0.0.5:4053", GrantBelowInFlight: 6),
        new DirectoryEntryId("azure-eu-1"),
        new LeaseAcquired("azure-eu-1", "lease-1", At.AddMinutes(5), 4),
        new QueryHeldLeases("azure-eu-1"),
        new LeaseRefused("azure-eu-1", "lease-1", LeaseRefusalReason.TokenLimited, TimeSpan.FromSeconds(3), Snapshot),
        new RenewLeases("azure-eu-1", "akka.tcp://llm-router@10.0.0.6:4053#-1234", 7,
            [new HeldLease("lease-1", At.AddMinutes(5), 1500, At), new HeldLease("lease-2", At.AddMinutes(4), 0, At.AddSeconds(-3))],
            ["lease-0"], [new GrantBucket(At.AddSeconds(-2), 3, 4500), new GrantBucket(At.AddSeconds(-1), 1, 20)],
            Snapshot with
            {
                InFlightByHolder = new Dictionary<string, int> { ["akka.tcp://llm-router@10.0.0.6:4053#-1234"] = 2 },
                LatestDeadlineByHolder = new Dictionary<string, DateTimeOffset> { ["akka.tcp://llm-router@10.0.0.6:4053#-1234"] = At.AddMinutes(5) },
            }),
        new LeaseActivity("azure-eu-1",
            [new AcquireLease("azure-eu-1", "lease-3", TimeSpan.FromMinutes(5), 800, "akka.tcp://llm-router@10.0.0.5:4053#7")],
            [new ReportOutcome("azure-eu-1", "lease-1", OutcomeKind.Success, 412.5, 80, 800, 120)]),
        new LeaseActivityBatch([new LeaseActivity("azure-eu-1", [], [new ReportOutcome("azure-eu-1", "lease-2", OutcomeKind.Cancelled)]),
            new LeaseActivity("azure-eu-2", [new AcquireLease("azure-eu-2", "lease-4", TimeSpan.FromMinutes(1))], [])]),
        new LeaseActivity("azure-eu-1", [], [new ReportOutcome("azure-eu-1", "spare-1", OutcomeKind.Success, 90, KeepAsSpare: true)],
            SparesWanted: 4, SparesReturned: ["spare-2"], Holder: "akka.tcp://llm-router@10.0.0.5:4053#7", SparesAskedAt: 123_456_789),
        new SpareLeases("azure-eu-1", "akka.tcp://llm-router@10.0.0.5:4053#7", ["spare-3", "spare-4"], At.AddMinutes(11), 123_456_789),
        new SpareLeasesBatch([new SpareLeases("azure-eu-1", "akka.tcp://llm-router@10.0.0.5:4053#7", [], At, Recall: true)]),
        new LeaseActivityBatch([new LeaseActivity("azure-eu-4",
            [new AcquireLease("azure-eu-4", "0f8fad5bd9cb469fa16570867728950e", TimeSpan.FromMinutes(10), 1200, "akka.tcp://llm-router@10.0.0.5:4053#7", GrantBelowInFlight: 3)],
            [new ReportOutcome("azure-eu-4", "7c9e6679742540de944be07fc1f90ae7", OutcomeKind.RateLimited, 812.25, 95.5, 300, 41, TimeSpan.FromSeconds(20),
                new ProviderRateLimits(0, 1500, TimeSpan.FromSeconds(20), null, 600, 90_000)),
             new ReportOutcome("azure-eu-4", "0f8fad5bd9cb469fa16570867728950e", OutcomeKind.NotUsed)],
            Holder: "akka.tcp://llm-router@10.0.0.5:4053#7", SparesReturned: ["5bd2d4a0b8b34c40a7f0cbbb4b2c5b60"]),
            new LeaseActivity("azure-eu-5", [], [], AllowanceWanted: 16, AllowanceTokensWanted: 16_000, Holder: "akka.tcp://llm-router@10.0.0.5:4053#7")]),
        new LeaseActivity("azure-eu-3", [new AcquireLease("azure-eu-3", "lease-5", TimeSpan.FromMinutes(1), 300, "akka.tcp://llm-router@10.0.0.5:4053#7", AllowanceLot: "lot-1")], [],
            Holder: "akka.tcp://llm-router@10.0.0.5:4053#7", AllowanceWanted: 8, AllowanceTokensWanted: 2400,
            AllowanceReturned: ["lot-0"]),
        new SpareLeases("azure-eu-3", "akka.tcp://llm-router@10.0.0.5:4053#7", [], At.AddMinutes(11), 123_456_789,
            Allowance: new RateAllowance("lot-1", 8, 2400, At.AddSeconds(2))),
        new RenewLeases("azure-eu-1", "akka.tcp://llm-router@10.0.0.5:4053#7", 8, [new HeldLease("spare-3", At.AddMinutes(11), 0, At, Spare: true)]),
        new ReplicateSnapshot(Snapshot),
        new SnapshotReplicated(638_999_000_000_000_000, 42),
        new LeasesRenewed("azure-eu-1", 7, ["lease-2"]),
        new RenewLeasesBatch([new RenewLeases("azure-eu-1", "akka.tcp://llm-router@10.0.0.5:4053#7", 9, [new HeldLease("lease-4", At.AddMinutes(11), 40, At)])]),
        new LeasesRenewedBatch([new LeasesRenewed("azure-eu-1", 9, [], "akka.tcp://llm-router@10.0.0.5:4053#7")]),
        new QuorumPing(42),
        new QuorumPong(42),
        new LeaseRefused("azure-eu-1", "lease-2", LeaseRefusalReason.ProviderExhausted, TimeSpan.FromSeconds(1), Snapshot),
        new UpsertModelGroup(Group),
        new SetGroupStrategy("gpt-4o", "least-busy"),
        new EndpointSaved(Endpoint),
        new EndpointDeleted("azure-eu-1"),
        new GroupSaved(Group),
        new OfferConfiguration("akka.tcp://llm-router@10.0.0.5:4053", [Group], [Endpoint]),
        new ConfigurationOffered("sqlite (Data Source=registry.db) on akka.tcp://llm-router@10.0.0.5:4053", ["endpoint 'a' added"], ["endpoint 'b' kept"]),
        new RegisterEndpoint(Endpoint),
        new UpdateEndpoint("azure-eu-1", 5, 10, 100, 5000, 2, ["eu"]),
        new RemoveEndpoint("azure-eu-1"),
        new DrainEndpoint("azure-eu-1") { NotAfter = new DateTimeOffset(2025, 6, 1, 12, 0, 4, TimeSpan.Zero) },
        new UndrainEndpoint("azure-eu-1"),
        new ManagementResult(false, "the registry received the command after its deadline", ManagementResult.Expired),
        new GetEndpointState("azure-eu-1"),
        new EndpointState(Endpoint, Snapshot, Node: "akka.tcp://llm-router@10.0.0.5:4053"),
        new GetGroupState("gpt-4o", TimeSpan.FromSeconds(2)),
        new GroupState([new EndpointState(Endpoint, Snapshot, SnapshotFreshness.Unreachable, "akka.tcp://llm-router@10.0.0.6:4053", "its node is unreachable"),
            new EndpointState(null, EndpointSnapshot.Empty("gone"))]),
        GetNodeStats.Instance,
        new NodeStatsReply([new GroupCounterSample("gpt-4o", 1000, 12, 30, 4), new GroupCounterSample("gpt-4o-mini", 0, 0, 0, 0)]),
    ];
}
