using System.Data.Common;
using LinqToDB.Interceptors;

namespace OrderEngine.Engine.Hosting;

/// <summary>
/// Sets SQLite's busy timeout on every connection the journal opens. Without it Microsoft.Data.Sqlite answers a
/// locked database by sleeping 150 ms before retrying, which put 150–300 ms steps into every answer as soon as two
/// requests overlapped; SQLite's own handler waits in steps of a few milliseconds instead.
/// </summary>
public sealed class SqliteBusyTimeout : IConnectionInterceptor
{
    public const string Pragma = "PRAGMA busy_timeout = 30000;";

    public void ConnectionOpening(ConnectionEventData eventData, DbConnection connection) { }

    public Task ConnectionOpeningAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken) => Task.CompletedTask;

    public void ConnectionOpened(ConnectionEventData eventData, DbConnection connection)
    {
        using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        command.ExecuteNonQuery();
    }

    public async Task ConnectionOpenedAsync(ConnectionEventData eventData, DbConnection connection, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = Pragma;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
