using OrderEngine.Engine.Hosting;
using OrderEngine.Engine.PersonalData;

namespace OrderEngine.Api.Customers;

/// <summary>
/// `dotnet OrderEngine.Api.dll personal-data reseal|rewrap [--dry-run] [--batch N]`: the operators' one-off personal data
/// maintenance (docs/security.md, Personal data). `reseal` seals the addresses of placements written in clear before
/// sealing existed; `rewrap` rewrites every customer key under the current master key after a rotation. Like the
/// `keys` verb it lives in the node's binary and reads exactly the node's configuration. It prints counts only: never a
/// personal value, a key or the master key.
/// </summary>
public static class PersonalDataCli
{
    public const string Verb = "personal-data";

    /// <summary>The largest batch: one batch's rows (and their customers' keys) go into one transaction.</summary>
    public const int MaxBatch = 5000;

    public const int DefaultBatch = 500;

    public static bool IsCommand(string[] args) => args.Length > 0 && args[0] == Verb;

    public const string Usage = """
        usage: OrderEngine.Api personal-data reseal [--dry-run] [--batch N]
               OrderEngine.Api personal-data rewrap [--dry-run] [--batch N]
        reseal: seals the name, street lines and phone of placements written in clear by versions before sealing
                (customers erased since: written as "[erased]"); run once after upgrading
        rewrap: rewraps every customer key with OrderEngine:Security:PersonalDataMasterKey (keys wrapped with one of
                OrderEngine:Security:PersonalDataPreviousMasterKeys, or stored unwrapped); then remove the previous keys
        --batch N: rows per transaction, 1 to 5000 (500)
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
        var own = args.Where(a => !Hosting.NodeVerbs.IsSetting(a)).ToArray();
        var command = own.FirstOrDefault();
        if (command is not ("reseal" or "rewrap"))
        {
            await error.WriteLineAsync(Usage);
            return 2;
        }
        if (!TryOptions(own.Skip(1).ToArray(), out var dryRun, out var batch, out var problem))
        {
            await error.WriteLineAsync(problem);
            await error.WriteLineAsync(Usage);
            return 2;
        }
        try
        {
            var options = configuration.GetSection(OrderEngineOptions.Section).Get<OrderEngineOptions>() ?? new OrderEngineOptions();
            var personal = configuration.GetSection(PersonalDataOptions.Section).Get<PersonalDataOptions>() ?? new PersonalDataOptions();
            var ring = MasterKeyRing.From(personal);
            var database = JournalDatabase.From(options.Persistence);
            var dry = dryRun ? " (dry run: nothing written)" : "";
            if (command == "rewrap")
            {
                if (!ring.HasCurrent)
                {
                    await error.WriteLineAsync("personal-data rewrap: OrderEngine:Security:PersonalDataMasterKey is not set; there is no master key to wrap with");
                    return 2;
                }
                database.Prepare();
                var counts = await new CustomerKeyRewrap(database, ring).RunAsync(batch, dryRun,
                    c => error.WriteLineAsync($"rewrap: {c}{dry}"), CancellationToken.None);
                await output.WriteLineAsync($"rewrap: {counts}{dry}");
                if (counts.Unreadable > 0)
                {
                    await error.WriteLineAsync("rewrap: some keys open with no configured master key: add the master key they were wrapped with "
                        + "to OrderEngine:Security:PersonalDataPreviousMasterKeys and run it again");
                    return 1;
                }
                return 0;
            }
            database.Prepare();
            await using var keys = new CustomerKeyStore(database, personal, TimeProvider.System);
            var resealed = await new JournalReseal(database, keys).RunAsync(batch, dryRun,
                c => error.WriteLineAsync($"reseal: up to journal ordering {c.LastOrdering}: {c}{dry}"), CancellationToken.None);
            await output.WriteLineAsync($"reseal: {resealed}{dry}");
            if (resealed.Failed > 0)
            {
                await error.WriteLineAsync("reseal: some order.placed rows could not be read or sealed and were left as they were");
                return 1;
            }
            return 0;
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or System.Security.Cryptography.CryptographicException)
        {
            // The settings' or the database's message: it names settings or SQL errors, never key material or personal values.
            await error.WriteLineAsync($"personal-data {command}: {e.GetBaseException().Message}");
            return 1;
        }
    }

    private static bool TryOptions(string[] args, out bool dryRun, out int batch, out string problem)
    {
        dryRun = false;
        batch = DefaultBatch;
        problem = "";
        for (var i = 0; i < args.Length; i++)
        {
            switch (args[i])
            {
                case "--dry-run":
                    dryRun = true;
                    break;
                case "--batch" when i + 1 < args.Length && int.TryParse(args[i + 1], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxBatch:
                    batch = n;
                    i++;
                    break;
                case "--batch":
                    problem = $"--batch: a number from 1 to {MaxBatch}";
                    return false;
                default:
                    problem = $"unknown argument '{args[i]}'";
                    return false;
            }
        }
        return true;
    }
}
