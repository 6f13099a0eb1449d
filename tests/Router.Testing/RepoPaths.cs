using System.Reflection;

namespace Router.Testing;

/// <summary>Where the repository and the built node executable are, seen from the test assembly.</summary>
public static class RepoPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>Router.Node.dll built in the same configuration as the tests (the project reference builds it).</summary>
    public static string NodeDll { get; } = Path.Combine(Root, "src", "Router.Node", "bin",
        typeof(RepoPaths).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug",
        "net10.0", "Router.Node.dll");

    public static string ClusterConfig => Path.Combine(Root, "deploy", "cluster.json");

    public static string Readme => Path.Combine(Root, "README.md");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Cluster.sln"))) return dir.FullName;
        throw new DirectoryNotFoundException("Cluster.sln not found above " + AppContext.BaseDirectory);
    }
}
