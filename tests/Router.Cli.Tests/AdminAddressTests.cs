namespace Router.Cli.Tests;

/// <summary>Which words are an admin address, and what they mean.</summary>
public sealed class AdminAddressTests
{
    [Theory]
    [InlineData("127.0.0.1:9110", "http://127.0.0.1:9110/", "127.0.0.1:9110")]
    [InlineData("node-3.internal:9200", "http://node-3.internal:9200/", "node-3.internal:9200")]
    [InlineData("localhost", "http://localhost:9110/", "localhost:9110")]
    [InlineData("10.0.0.5", "http://10.0.0.5:9110/", "10.0.0.5:9110")]
    [InlineData("http://10.0.0.5:80", "http://10.0.0.5/", "10.0.0.5:80")]
    [InlineData("https://admin.example.com", "https://admin.example.com:9110/", "https://admin.example.com:9110")]
    [InlineData("[::1]:9110", "http://[::1]:9110/", "[::1]:9110")]
    public void Addresses_parse_with_the_default_port(string text, string uri, string display)
    {
        var address = AdminAddress.Parse(text);

        address.BaseUri.Should().Be(new Uri(uri));
        address.Display.Should().Be(display);
    }

    [Theory]
    [InlineData("127.0.0.1:9110", true)]
    [InlineData("localhost", true)]
    [InlineData("http://h:1", true)]
    [InlineData("cluster", false)]
    [InlineData("clustr", false)]
    [InlineData("a b:1", false)]
    [InlineData("http://h:1/path", false)]
    public void Only_address_like_words_are_taken_as_the_address(string word, bool expected) =>
        AdminAddress.LooksLikeAddress(word).Should().Be(expected);
}
