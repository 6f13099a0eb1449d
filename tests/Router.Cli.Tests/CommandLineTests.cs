namespace Router.Cli.Tests;

public sealed class CommandLineTests
{
    [Theory]
    [InlineData("router endpoints", new[] { "router", "endpoints" })]
    [InlineData("  a   b  ", new[] { "a", "b" })]
    [InlineData("add \"my group\" x", new[] { "add", "my group", "x" })]
    [InlineData("'it''s' \"say \\\"hi\\\"\"", new[] { "its", "say \"hi\"" })]
    [InlineData("a\\ b c", new[] { "a b", "c" })]
    [InlineData("--tags=\"a, b\" \"\"", new[] { "--tags=a, b", "" })]
    [InlineData("x 'C:\\path'", new[] { "x", "C:\\path" })]
    public void Tokenize_splits_like_a_shell(string line, string[] expected) =>
        CommandLine.Tokenize(line).Should().Equal(expected);

    [Theory]
    [InlineData("a \"b")]
    [InlineData("a 'b")]
    public void Tokenize_rejects_unterminated_quotes(string line) =>
        FluentActions.Invoking(() => CommandLine.Tokenize(line)).Should().Throw<UsageException>().WithMessage("unterminated*");

    [Fact]
    public void Parse_separates_positionals_options_and_flags()
    {
        var line = CommandLine.Parse(["router", "endpoint", "weight", "--json", "ep", "-3", "--token", "t", "--rpm=5", "-h", "--", "--x"]);

        line.Positionals.Should().Equal("router", "endpoint", "weight", "ep", "-3", "--x");
        line.Has("json").Should().BeTrue();
        line.Has("help").Should().BeTrue();
        line.Value("token").Should().Be("t");
        line.Value("rpm").Should().Be("5");
    }

    [Fact]
    public void An_option_value_may_be_negative()
    {
        CommandLine.Parse(["--weight", "-1"]).Value("weight").Should().Be("-1");
    }

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

    [Fact]
    public void Tables_align_columns_and_right_align_numbers()
    {
        var output = new StringWriter();
        new TableWriter("ID", "COUNT>", "NOTE").Row("a", "5", "x").Row("longer-id", "1234", null).WriteTo(output);

        output.ToString().Split(Environment.NewLine).Should().Equal(
            "ID         COUNT  NOTE",
            "a              5  x",
            "longer-id   1234",
            "");
    }
}
