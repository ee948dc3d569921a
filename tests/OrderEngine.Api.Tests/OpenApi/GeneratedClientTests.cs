namespace OrderEngine.Api.Tests.OpenApi;

/// <summary>
/// The committed client (src/OrderEngine.Client) is what the served document generates: a change to an endpoint's
/// contract fails here until the client is regenerated (tools/regenerate-client.sh) and committed with it.
/// </summary>
public sealed class GeneratedClientTests(EngineFixture engine) : IClassFixture<EngineFixture>
{
    [Fact]
    public async Task The_committed_client_is_the_one_the_served_document_generates()
    {
        var generated = await ClientGenerator.GenerateAsync(await engine.Client.GetStringAsync("/openapi/v1.json"));
        var path = ClientGenerator.CommittedPath();

        if (Environment.GetEnvironmentVariable(ClientGenerator.RegenerateVariable) == "1")
            await File.WriteAllTextAsync(path, generated);

        var committed = (await File.ReadAllTextAsync(path)).Replace("\r\n", "\n");
        var firstDifference = Enumerable.Range(0, Math.Min(committed.Length, generated.Length)).FirstOrDefault(i => committed[i] != generated[i], -1);
        Assert.True(committed == generated,
            $"src/OrderEngine.Client/OrderEngineClient.g.cs is out of date with /openapi/v1.json: run tools/regenerate-client.sh and commit it. " +
            (firstDifference >= 0 ? $"First difference at character {firstDifference}: committed «{Excerpt(committed, firstDifference)}», generated «{Excerpt(generated, firstDifference)}»" : $"lengths {committed.Length} and {generated.Length}"));
    }

    private static string Excerpt(string s, int at) => s.Substring(Math.Max(0, at - 60), Math.Min(160, s.Length - Math.Max(0, at - 60)));
}
