using OrderEngine.Engine.Hosting;

namespace OrderEngine.Api.Security;

/// <summary>
/// `dotnet OrderEngine.Api.dll keys create --name ops --roles admin[,operator]` (also `keys list`, `keys revoke ID`):
/// for operators with access to the node's configuration and database, e.g. to make the first admin key. It reads the
/// same configuration as the node (appsettings.json, OrderEngine__* environment variables, --OrderEngine:...=...
/// arguments), creates the schema if needed, writes to the configured database and prints a new key once, on stdout.
/// It lives in the node's binary so it is in every image and always agrees with the node's schema and hashing.
/// </summary>
public static class ApiKeysCli
{
    public const string Verb = "keys";

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == Verb;

    public const string Usage = """
        usage: OrderEngine.Api keys create --name NAME --roles ROLE[,ROLE...]
               OrderEngine.Api keys list
               OrderEngine.Api keys revoke ID
        roles: admin, operator, warehouse, reporting, courier, restaurant, channel:{name}
        """;

    /// <summary>Runs the verb with the node's configuration sources; the exit code.</summary>
    public static Task<int> RunAsync(string[] args)
    {
        var verbArgs = args.Skip(1).ToArray();
        // Only --Section:Key=value pairs reach the configuration; the verb's own options are read below.
        return RunAsync(verbArgs, Hosting.NodeVerbs.ConfigurationOf(verbArgs), Console.Out, Console.Error);
    }

    public static async Task<int> RunAsync(string[] args, IConfiguration configuration, TextWriter output, TextWriter error)
    {
        var options = configuration.GetSection(OrderEngineOptions.Section).Get<OrderEngineOptions>() ?? new OrderEngineOptions();
        var database = JournalDatabase.From(options.Persistence);
        var store = new ApiKeyStore(database);
        var command = args.FirstOrDefault();
        try
        {
            switch (command)
            {
                case "create":
                {
                    var name = Option(args, "--name");
                    var roles = Option(args, "--roles")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList<string?>();
                    var errors = ApiKeyRoles.Validate(name, roles);
                    if (errors.Count > 0)
                    {
                        foreach (var (field, messages) in errors) await error.WriteLineAsync($"{field}: {string.Join("; ", messages)}");
                        await error.WriteLineAsync(Usage);
                        return 2;
                    }
                    database.Prepare();
                    var id = ApiKeyMaterial.NewId();
                    var key = ApiKeyMaterial.NewKey();
                    await store.CreateAsync(id, name!.Trim(), roles!.Select(r => r!).ToList(), ApiKeyMaterial.Hash(key), DateTimeOffset.UtcNow, CancellationToken.None);
                    await error.WriteLineAsync($"created API key {id} ({name!.Trim()}: {string.Join(", ", roles!)}); it is shown once, below:");
                    await output.WriteLineAsync(key);
                    return 0;
                }
                case "list":
                    database.Prepare();
                    foreach (var k in await store.ListAsync(CancellationToken.None))
                        await output.WriteLineAsync($"{k.Id}\t{k.Name}\t{string.Join(',', k.Roles)}\t{k.CreatedAt:O}\t{(k.RevokedAt is { } r ? "revoked " + r.ToString("O") : "active")}");
                    return 0;
                case "revoke" when args.Length == 2:
                    database.Prepare();
                    if (await store.RevokeAsync(args[1], DateTimeOffset.UtcNow, CancellationToken.None))
                    {
                        await error.WriteLineAsync($"revoked {args[1]} (running nodes stop accepting it within their key cache time)");
                        return 0;
                    }
                    await error.WriteLineAsync($"no API key '{args[1]}'");
                    return 1;
                default:
                    await error.WriteLineAsync(Usage);
                    return 2;
            }
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException)
        {
            await error.WriteLineAsync($"keys {command}: {e.GetBaseException().Message}");
            return 1;
        }
    }

    private static string? Option(string[] args, string name)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}
