using Npgsql;

namespace Router.Admin.Tests;

/// <summary>
/// The registry's journal providers the registry tests run against. SQLite always; PostgreSQL on the server that
/// <see cref="PostgresVariable"/> names (.ci/run installs and starts one and sets it), else those cases are skipped.
/// </summary>
public static class RegistryProviders
{
    public const string PostgresVariable = "ROUTER_TEST_POSTGRES";

    public static TheoryData<string> All => new() { "sqlite", "postgresql" };

    /// <summary>Why <paramref name="provider"/> cannot be tested here, or null.</summary>
    public static string? Unavailable(string provider) =>
        provider == "postgresql" && string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable(PostgresVariable))
            ? $"{PostgresVariable} is not set: give it a PostgreSQL connection string whose role may create databases " +
              "(e.g. Host=127.0.0.1;Username=router_test;Password=router_test;Database=router_test; .ci/run sets one up as root)"
            : null;

    /// <summary>A fresh database for one cluster, so tests never see each other's journal.</summary>
    public static async Task<string> CreateDatabaseAsync()
    {
        var name = $"router_registry_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(Server());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await command.ExecuteNonQueryAsync();
        return name;
    }

    public static async Task DropDatabaseAsync(string name)
    {
        NpgsqlConnection.ClearAllPools(); // the nodes' pooled connections would keep the database busy
        await using var connection = new NpgsqlConnection(Server());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Events in the journal table(s) of <paramref name="database"/>: proof that the registry wrote to PostgreSQL.</summary>
    public static async Task<long> JournalRowsAsync(string database)
    {
        await using var connection = new NpgsqlConnection(ConnectionStringFor(database));
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new NpgsqlCommand(
                         "SELECT quote_ident(table_schema) || '.' || quote_ident(table_name) FROM information_schema.tables WHERE table_name LIKE '%journal%'", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        long rows = 0;
        foreach (var table in tables)
        {
            await using var count = new NpgsqlCommand($"SELECT count(*) FROM {table}", connection);
            rows += (long)(await count.ExecuteScalarAsync())!;
        }
        return rows;
    }

    public static string ConnectionStringFor(string database) =>
        new NpgsqlConnectionStringBuilder(Server()) { Database = database }.ConnectionString;

    private static string Server() =>
        Environment.GetEnvironmentVariable(PostgresVariable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{PostgresVariable} is not set");
}
