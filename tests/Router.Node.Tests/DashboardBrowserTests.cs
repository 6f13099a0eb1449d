using System.Diagnostics;
using System.Globalization;
using OpenQA.Selenium;
using OpenQA.Selenium.Chrome;
using Xunit.Abstractions;

namespace Router.Node.Tests;

/// <summary>
/// The dashboard in headless Chromium (Debian's chromium and chromedriver, driven by Selenium): the token form, the
/// endpoints listed, and the numbers moving as requests go through the gateway. Saves a screenshot to
/// tests/artifacts/dashboard.png.
/// </summary>
public sealed class DashboardBrowserTests(ITestOutputHelper output)
{
    private const string Token = "browser-test-token-93c2";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    [ChromiumFact]
    public async Task The_dashboard_asks_for_the_token_lists_the_endpoints_and_updates_as_requests_go_through()
    {
        await using var gateway = await TestGateway.StartAsync(s => s
            .Sim("fast", o => { o.LatencyMs = 25; o.TimeToFirstTokenMs = 15; o.TokensPerSecond = 400; o.CompletionTokens = 4; })
            .Sim("slow", o => o.LatencyMs = 4000)
            .Group("gpt-4o-mini").Endpoint("gpt-4o-mini", "mini-a", "fast", maxInFlight: 8).Endpoint("gpt-4o-mini", "mini-b", "fast")
            .Group("gpt-4o", "least-busy").Endpoint("gpt-4o", "big-slow", "slow", maxInFlight: 4)
            .Set("ModelGroups:gpt-4o-mini:Endpoints:mini-a:Rpm", 600)
            .Set("Admin:Token", Token));
        var admin = gateway.Node.AdminUrls[0].TrimEnd('/');

        using var driver = Chromium.Start();
        driver.Navigate().GoToUrl(admin + "/dashboard");

        // Before the token: the form, and nothing of the cluster.
        await PageShows(driver, d => d.FindElement(By.Id("token")).Displayed, "the token form is shown");
        driver.FindElement(By.Id("board")).Displayed.Should().BeFalse();
        driver.FindElements(By.CssSelector("[data-endpoint]")).Should().BeEmpty();
        driver.PageSource.Should().NotContain("mini-a");

        // A wrong token is refused with the admin API's reason, and the form stays.
        SignIn(driver, "not-the-token");
        await PageShows(driver, d => d.FindElement(By.Id("login-error")).Displayed, "the wrong token is refused");
        driver.FindElement(By.Id("login-error")).Text.Should().Contain("token");
        driver.FindElements(By.CssSelector("[data-endpoint]")).Should().BeEmpty();

        SignIn(driver, Token);
        await PageShows(driver, d => d.FindElements(By.CssSelector("[data-endpoint]")).Count == 3, "the three configured endpoints are listed");
        var board = await Read(driver, d => new
        {
            MiniAInFlight = Cell(d, "[data-endpoint='mini-a']", "in-flight"),
            MiniARpm = Cell(d, "[data-endpoint='mini-a']", "rpm"),
            BigSlowInFlight = Cell(d, "[data-endpoint='big-slow']", "in-flight"),
            MiniABreaker = Cell(d, "[data-endpoint='mini-a']", "breaker"),
            TotalRequests = d.FindElement(By.Id("total-requests")).Text,
            Members = d.FindElements(By.CssSelector("#members tbody tr")).Select(row => row.Text).ToList(),
        }, "the board");
        board.MiniAInFlight.Should().EndWith("0 / 8");
        board.MiniARpm.Should().EndWith("0 / 600");
        board.BigSlowInFlight.Should().EndWith("0 / 4");
        board.MiniABreaker.Should().StartWith("closed");
        board.TotalRequests.Should().Be("0");
        board.Members.Should().ContainSingle().Which.Should().Contain("Up").And.Contain("gateway");

        // Requests through the gateway: counts, rates, latency and TTFT appear.
        const int requests = 12;
        for (var i = 0; i < requests; i++)
            (await gateway.ChatAsync("gpt-4o-mini", stream: i % 3 == 0)).EnsureSuccessStatusCode();
        await PageShows(driver, d => Cell(d, "[data-group='gpt-4o-mini'] .group-stats", "requests") == requests.ToString(CultureInfo.InvariantCulture),
            $"the group's request count shows the {requests} requests");
        await PageShows(driver, d => Number(Cell(d, "[data-group='gpt-4o-mini'] .group-stats", "rps")) > 0, "the group's request rate is above zero");
        await PageShows(driver, d => Number(d.FindElement(By.Id("total-rps")).Text) > 0, "the total request rate is above zero");
        await PageShows(driver, d => Number(Cell(d, "[data-endpoint='mini-a']", "requests")) + Number(Cell(d, "[data-endpoint='mini-b']", "requests")) == requests,
            "the endpoints' own counts add up to the requests sent");
        await PageShows(driver, d => Number(Cell(d, "[data-endpoint='mini-a']", "latency-p50")) >= 20, "mini-a's p50 latency reflects the simulator's 25 ms");
        await PageShows(driver, d => Number(Cell(d, "[data-endpoint='mini-a']", "ttft-p50")) > 0 || Number(Cell(d, "[data-endpoint='mini-b']", "ttft-p50")) > 0,
            "a streamed request's time to first token is shown");
        (await Read(driver, d => Cell(d, "[data-endpoint='mini-a']", "rpm"), "mini-a's rpm")).Should().NotBe("0 / 600");

        // Two slow requests in flight show up as 2 / 4 while they run.
        var slow = new[] { gateway.ChatAsync("gpt-4o"), gateway.ChatAsync("gpt-4o") };
        await PageShows(driver, d => Cell(d, "[data-endpoint='big-slow']", "in-flight").EndsWith("2 / 4", StringComparison.Ordinal), "two requests in flight on big-slow");
        await PageShows(driver, d => d.FindElement(By.Id("total-in-flight")).Text == "2", "the in-flight total");
        var screenshot = SaveScreenshot(driver);
        foreach (var response in await Task.WhenAll(slow)) response.EnsureSuccessStatusCode();
        await PageShows(driver, d => Cell(d, "[data-endpoint='big-slow']", "in-flight").EndsWith("0 / 4", StringComparison.Ordinal), "the slow requests finished");

        driver.PageSource.Should().NotContain(Token, "the token lives in sessionStorage, never in the page");
        File.Exists(screenshot).Should().BeTrue();
    }

    private static void SignIn(IWebDriver driver, string token)
    {
        var input = driver.FindElement(By.Id("token"));
        input.Clear();
        input.SendKeys(token);
        driver.FindElement(By.Id("sign-in")).Click();
    }

    /// <summary>The text of the cell <paramref name="field"/> in the row or section matched by <paramref name="scope"/>.</summary>
    private static string Cell(ISearchContext driver, string scope, string field) =>
        driver.FindElement(By.CssSelector($"{scope} [data-field='{field}']")).Text.Trim();

    /// <summary>A number as the page prints it ("1,234", "0.53"); "–" (no value yet) is -1.</summary>
    private static double Number(string text) =>
        double.TryParse(text.Replace(",", "", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : -1;

    /// <summary>
    /// The page as <see cref="Eventually"/> observes it: it re-renders every 1.5 s, so elements are looked up afresh on
    /// each check (one that vanished mid-render means "not yet"), and a failure shows the page's status line.
    /// </summary>
    private static Task PageShows(IWebDriver driver, Func<IWebDriver, bool> condition, string what) =>
        Eventually.Until(() => (Shown: condition(driver), PageStatus: driver.FindElements(By.Id("status")).FirstOrDefault()?.Text), page => page.Shown,
            what, Patience, TimeSpan.FromMilliseconds(100), e => e is NoSuchElementException or StaleElementReferenceException);

    /// <summary>Reads the page once whole: a re-render in the middle of the read (a stale element) reads it again.</summary>
    private static Task<T> Read<T>(IWebDriver driver, Func<IWebDriver, T> read, string what) =>
        Eventually.Until(() => read(driver), _ => true, $"{what} can be read between re-renders", Patience, TimeSpan.FromMilliseconds(100),
            e => e is StaleElementReferenceException);

    private string SaveScreenshot(IWebDriver driver)
    {
        var path = Path.Combine(RepoPaths.Root, "tests", "artifacts", "dashboard.png");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        ((ITakesScreenshot)driver).GetScreenshot().SaveAsFile(path);
        output.WriteLine($"dashboard screenshot: {path}");
        Console.WriteLine($"dashboard screenshot: {path}");
        return path;
    }
}

/// <summary>Runs only where Debian's chromium and chromedriver are installed; says how to install them otherwise.</summary>
public sealed class ChromiumFactAttribute : FactAttribute
{
    public ChromiumFactAttribute()
    {
        if (Chromium.Missing() is { } missing)
            Skip = $"{missing} not found: the dashboard's browser test needs Debian's chromium and chromedriver " +
                   "(apt-get install chromium chromium-driver; .ci/run installs them when it runs as root)";
    }
}

internal static class Chromium
{
    private static readonly string[] Browsers = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];
    private const string Driver = "/usr/bin/chromedriver";

    private static string? Browser => Browsers.FirstOrDefault(File.Exists);

    public static string? Missing() =>
        Browser is null ? "chromium (" + string.Join(" or ", Browsers) + ")" : !File.Exists(Driver) ? $"chromedriver ({Driver})" : null;

    /// <summary>Headless Chromium through the distribution's chromedriver: Selenium Manager never downloads anything.</summary>
    public static ChromeDriver Start()
    {
        var options = new ChromeOptions { BinaryLocation = Browser };
        // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start.
        options.AddArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=1500,1400",
            "--no-first-run", "--disable-extensions", "--proxy-server=direct://", "--proxy-bypass-list=*");
        var service = ChromeDriverService.CreateDefaultService(Path.GetDirectoryName(Driver)!, Path.GetFileName(Driver));
        service.SuppressInitialDiagnosticInformation = true;
        service.HideCommandPromptWindow = true;
        return new ChromeDriver(service, options, TimeSpan.FromSeconds(60));
    }

}
