namespace OrderEngine.Api.Hosting;

/// <summary>
/// What the node's one-off verbs (<c>keys</c>, <c>personal-data</c>) share: the node's own configuration sources
/// (appsettings.json, <c>OrderEngine__*</c> environment variables) plus the <c>--Section:Key=value</c> settings given
/// on the command line, told apart from the verb's own arguments.
/// </summary>
public static class NodeVerbs
{
    /// <summary>A command-line argument that is a setting (<c>--Section:Key=value</c>), not one of the verb's own.</summary>
    public static bool IsSetting(string arg) => arg.Contains(':') && arg.Contains('=');

    /// <summary>The configuration a node started with these arguments would read.</summary>
    public static IConfiguration ConfigurationOf(string[] verbArgs) =>
        WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = ["--hostBuilder:reloadConfigOnChange=false", .. verbArgs.Where(IsSetting)],
            ContentRootPath = AppContext.BaseDirectory,
        }).Configuration;
}
